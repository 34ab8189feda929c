/**
 * `<mount>/.relay/bases/<sha256>`: the last synced content of text files, content-addressed, so that a change met
 * by a concurrent one can be merged against what both started from — after a restart too. A cache, not a record:
 * written without fsync (a base lost in a crash only means a conflict copy instead of a merge), and pruned to what
 * the mount still tracks or is sending.
 */
import { join } from "node:path";
import { PRIVATE } from "./private.ts";
import { relayPaths } from "./relay_dir.ts";

function basesDir(mountDir: string): string {
  return join(relayPaths(mountDir).root, "bases");
}

/** Bases are kept for what a line merge could take: at most this size, no NUL byte (text, most likely). */
const BASE_MAX_BYTES = 512 * 1024;

/** Keeps `bytes` as the base of hash `hash` (once), when they are text a merge could take. */
export async function putBase(mountDir: string, hash: string, bytes: Uint8Array): Promise<void> {
  if (bytes.length > BASE_MAX_BYTES || bytes.includes(0)) return;
  const dir = basesDir(mountDir);
  const file = join(dir, hash);
  try {
    await Deno.lstat(file);
    return;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  await Deno.mkdir(dir, { recursive: true, mode: PRIVATE.dirMode });
  const temp = join(dir, `.${hash}.tmp-${crypto.randomUUID()}`);
  await Deno.writeFile(temp, bytes, { mode: PRIVATE.mode });
  await Deno.rename(temp, file);
}

/** The base of hash `hash`, or `undefined` when it was never kept (or has been pruned). */
export async function readBase(mountDir: string, hash: string): Promise<Uint8Array | undefined> {
  try {
    return await Deno.readFile(join(basesDir(mountDir), hash));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** Removes every base whose hash is not in `keep`; returns how many. */
export async function pruneBases(mountDir: string, keep: ReadonlySet<string>): Promise<number> {
  let removed = 0;
  try {
    for await (const entry of Deno.readDir(basesDir(mountDir))) {
      if (keep.has(entry.name)) continue;
      await Deno.remove(join(basesDir(mountDir), entry.name)).catch(() => {});
      removed++;
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return removed;
}
