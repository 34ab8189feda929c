/** The mount's `.relayignore`, read at start. */
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
