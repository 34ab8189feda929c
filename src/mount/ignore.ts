/** Local paths that are never synced, pure: runtime folders, VCS and dependency folders, editor temp files. */

const IGNORED_DIRS = new Set([".relay", ".git", "node_modules"]);

/** Editor and tool temp files: vim swap/backup, emacs locks/autosave, `~` backups, our own atomic-write temps. */
const TEMP_FILE = /^(?:\..*\.sw[a-p]|\.#.*|#.*#|.*~|4913|\..+\.tmp-[0-9a-f-]{36}|\.relayfile-tmp-.*|\.DS_Store)$/;

/** `relativePath` uses `/`. True when the path or any folder above it is ignored. */
export function isIgnored(relativePath: string): boolean {
  const segments = relativePath.split("/");
  if (segments.slice(0, -1).some((segment) => IGNORED_DIRS.has(segment))) return true;
  const name = segments.at(-1) ?? "";
  return IGNORED_DIRS.has(name) || TEMP_FILE.test(name);
}

/** True for a folder whose contents are never synced. */
export function isIgnoredDir(relativePath: string): boolean {
  return relativePath.split("/").some((segment) => IGNORED_DIRS.has(segment));
}
