/** The mount's `.relayignore`, read at start. */
import { join } from "node:path";
import { IGNORE_FILE, IgnoreRules } from "./ignore.ts";

/** Rules from the mount's `.relayignore` (when there is one) and `--exclude` patterns. */
export async function loadIgnoreRules(mountDir: string, excludes: readonly string[] = []): Promise<IgnoreRules> {
  let text = "";
  try {
    text = await Deno.readTextFile(`${mountDir}/${IGNORE_FILE}`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return new IgnoreRules([...text.split(/\r?\n/), ...excludes]);
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
