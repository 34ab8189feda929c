/**
 * Which local paths are never synced, in either direction: reserved folders (`.relay`, `.git`, matched
 * case-insensitively on every platform, whatever the rules say) and conflict copies, the built-in defaults (dependency folders, OS junk,
 * editor temp files), the mount's `.relayignore` (gitignore syntax) and `--exclude` patterns. Matching is the npm
 * `ignore` package's (the one eslint and others use), not ours. Pure once built.
 */
import ignore, { type Ignore } from "ignore";
import { isConflictCopyName } from "../relay/conflict_names.ts";

/** Never synced, never overwritten by remote content: the mount's own state and a repository's. */
const RESERVED = new Set([".relay", ".git"]);

/**
 * Editor and tool temp files: vim swap/backup, emacs locks/autosave, `~` backups, JetBrains safe-write files,
 * LibreOffice locks (held while a document is open), GNOME's atomic-write temps, ours.
 */
const TEMP_FILE =
  /^(?:\..*\.sw[a-p]|\.#.*|#.*#|.*~|4913|.*___jb_(?:tmp|old)___|\.~lock\..*#|\.goutputstream-.*|\..+\.tmp-[0-9a-f-]{36}|\.relayfile-tmp-.*)$/;

/**
 * Ignored unless a rule says otherwise: credentials (a mount of a home-like folder must not upload keys), dependency
 * folders, and what operating systems leave in folders.
 */
export const DEFAULT_IGNORES: readonly string[] = [
  ".ssh/",
  ".gnupg/",
  ".aws/",
  ".relayfile/",
  ".netrc",
  "node_modules/",
  ".DS_Store",
  "._*",
  ".Spotlight-V100/",
  ".Trashes/",
  "Thumbs.db",
  "ehthumbs.db",
  "desktop.ini",
  "$RECYCLE.BIN/",
];

/** The name of the ignore file at the mount's root. */
export const IGNORE_FILE = ".relayignore";

export class IgnoreRules {
  #rules!: Ignore;
  #patterns!: readonly string[];

  constructor(patterns: readonly string[] = []) {
    this.#take(patterns);
  }

  /** The patterns in force, defaults first (for `--dry-run` and status). */
  get patterns(): readonly string[] {
    return this.#patterns;
  }

  /**
   * Takes `patterns` (besides the defaults) in place of the ones in force: everything holding these rules follows
   * the new ones from now on. Returns whether they differ.
   */
  update(patterns: readonly string[]): boolean {
    const next = [...DEFAULT_IGNORES, ...patterns];
    if (next.length === this.#patterns.length && next.every((pattern, i) => pattern === this.#patterns[i])) {
      return false;
    }
    this.#take(patterns);
    return true;
  }

  #take(patterns: readonly string[]): void {
    this.#patterns = [...DEFAULT_IGNORES, ...patterns];
    this.#rules = ignore({ ignorecase: true, allowRelativePaths: true }).add([...this.#patterns]);
  }

  /** `relativePath` uses `/`. True when the path, or a folder above it, is never synced. */
  ignores(relativePath: string): boolean {
    const segments = relativePath.split("/");
    if (segments.some((segment) => RESERVED.has(segment.toLowerCase()))) return true;
    const name = segments.at(-1) ?? "";
    // Conflict copies beside a file are the mount's own; no rule can make them sync.
    if (TEMP_FILE.test(name) || isConflictCopyName(name)) return true;
    return this.#rules.ignores(relativePath) || this.#rules.ignores(`${relativePath}/`);
  }

  /** True for a folder whose contents are never synced. */
  ignoresDir(relativeDir: string): boolean {
    return this.ignores(relativeDir);
  }
}

/** The built-in rules alone (no ignore file, no excludes). */
export const BUILT_IN_RULES = new IgnoreRules();
