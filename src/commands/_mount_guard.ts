/**
 * The dangerous starts `mount` refuses: a folder full of someone's files that is not a mount yet (everything not
 * ignored would be uploaded), and the home folder or `/` (secrets, whole disks) unless a remote path narrows the
 * mount and the user says so.
 */
import { join, resolve } from "node:path";
import { UsageError } from "../lib/errors.ts";

/** What a folder may hold and still count as empty for a first mount. */
const HARMLESS = new Set([".relayignore", ".DS_Store"]);

export async function refuseDangerousStart(
  mountDir: string,
  options: { allowNonEmpty: boolean; remoteRoot: string; home: string | undefined },
): Promise<void> {
  const dir = resolve(mountDir);
  const sensitive = dir === "/" || (options.home !== undefined && dir === resolve(options.home));
  if (sensitive && !(options.allowNonEmpty && options.remoteRoot !== "/")) {
    throw new UsageError(`refusing to mount ${dir === "/" ? "/" : "your home folder"} (${dir})`, {
      hint: "mount an empty folder instead; to sync part of a workspace here anyway, pass --remote-path /sub " +
        "and --allow-non-empty",
    });
  }
  if (options.allowNonEmpty || await isMount(dir)) return;
  const entries = await Array.fromAsync(Deno.readDir(dir)).catch((error) => {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  });
  const contents = entries.filter((entry) => !HARMLESS.has(entry.name));
  if (contents.length === 0) return;
  const sample = contents.slice(0, 3).map((entry) => entry.name).join(", ");
  throw new UsageError(`${dir} is not empty (${sample}${contents.length > 3 ? ", …" : ""}) and not a relayfile mount`, {
    hint: "mount an empty folder, or pass --allow-non-empty to upload what is in it (except what .relayignore, " +
      "--exclude and the built-in rules leave out)",
  });
}

async function isMount(dir: string): Promise<boolean> {
  try {
    return (await Deno.stat(join(dir, ".relay"))).isDirectory;
  } catch {
    return false;
  }
}
