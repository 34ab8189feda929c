/** The mount's `.relayignore`: read at start, and again whenever it may have changed. */
import { join } from "node:path";
import { IGNORE_FILE, IgnoreRules } from "./ignore.ts";

/** Rules from the mount's `.relayignore` (when there is one) and `--exclude` patterns. */
export async function loadIgnoreRules(mountDir: string, excludes: readonly string[] = []): Promise<IgnoreRules> {
  return new IgnoreRules(await readPatterns(mountDir, excludes));
}

/**
 * Reads `.relayignore` again into `rules` (which every part of the mount holds): a pattern added while the mount runs
 * applies to the next file written. Returns whether the rules changed.
 */
export async function reloadIgnoreRules(
  mountDir: string,
  rules: IgnoreRules,
  excludes: readonly string[] = [],
): Promise<boolean> {
  return rules.update(await readPatterns(mountDir, excludes));
}

async function readPatterns(mountDir: string, excludes: readonly string[]): Promise<string[]> {
  let text = "";
  try {
    text = await Deno.readTextFile(`${mountDir}/${IGNORE_FILE}`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return [...text.split(/\r?\n/), ...excludes];
}

/**
 * What the rules leave out of the folder, for `writeback status --ignored`: ignored files, and ignored folders once
 * (with a trailing `/`, not their contents). The mount's own `.relay/` is left out of the list.
 */
export async function listIgnored(mountDir: string, rules: IgnoreRules): Promise<string[]> {
  const ignored: string[] = [];
  const walk = async (relativeDir: string) => {
    const entries = await Array.fromAsync(Deno.readDir(relativeDir ? join(mountDir, relativeDir) : mountDir))
      .catch(() => []);
    for (const entry of entries) {
      const path = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
      if (path === ".relay" || entry.isSymlink) continue;
      if (rules.ignores(path)) ignored.push(entry.isDirectory ? `${path}/` : path);
      else if (entry.isDirectory) await walk(path);
    }
  };
  await walk("");
  return ignored.sort();
}
