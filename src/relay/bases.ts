/**
 * `<mount>/.relay/bases/<sha256>`: the last synced content of text files, content-addressed, so that a change met
 * by a concurrent one can be merged against what both started from — after a restart too. A cache, not a record:
 * written without fsync (a base lost in a crash only means a conflict copy instead of a merge), and pruned to what
 * the mount still tracks or is sending.
 */
import { join } from "node:path";
import { MERGE_MAX_BYTES } from "../protocol/merge.ts";
import { sha256Hex } from "./blobs.ts";
import { PRIVATE } from "./private.ts";
import { relayPaths } from "./relay_dir.ts";

function basesDir(mountDir: string): string {
  return join(relayPaths(mountDir).root, "bases");
}

/** Folders known to exist, so that a pull of ten thousand files makes its bases folder once. */
const madeFolders = new Set<string>();

/**
 * Writes `bytes` as the base of hash `hash` (once). One create-only write, synchronous (a pull keeps thousands, and
 * async dispatch costs more than these small writes): a write cut short by a crash is caught by `readBase`, which
 * checks the content against its name.
 */
function writeBase(mountDir: string, hash: string, bytes: Uint8Array): void {
  const dir = basesDir(mountDir);
  if (!madeFolders.has(dir)) {
    Deno.mkdirSync(dir, { recursive: true, mode: PRIVATE.dirMode });
    madeFolders.add(dir);
  }
  try {
    Deno.writeFileSync(join(dir, hash), bytes, { createNew: true, mode: PRIVATE.mode });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) madeFolders.delete(dir); // the folder went away: made again next time
    else if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
}

/** The base of hash `hash`, or `undefined` when it was never kept, has been pruned, or is not what its name says. */
export async function readBase(mountDir: string, hash: string): Promise<Uint8Array | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(join(basesDir(mountDir), hash));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  return await sha256Hex(bytes) === hash ? bytes : undefined;
}

/** Bases kept but not yet written are written once they hold this much (a pull of large text files stays bounded). */
const PENDING_MAX_BYTES = 2 * 1024 * 1024;

/**
 * The bases of one mount, kept as the mount meets their content and written at the end of the step that met them
 * (`flush`): the files a pull writes become visible without waiting for a second write each.
 */
export class BaseStore {
  readonly #mountDir: string;
  readonly #pending = new Map<string, Uint8Array>();
  #pendingBytes = 0;

  constructor(mountDir: string) {
    this.#mountDir = mountDir;
  }

  /** Keeps `bytes` as a base when a line merge could take them: at most its size, no NUL byte (text, most likely). */
  keep(hash: string, bytes: Uint8Array): void {
    if (bytes.length > MERGE_MAX_BYTES || bytes.includes(0) || this.#pending.has(hash)) return;
    this.#pending.set(hash, bytes);
    this.#pendingBytes += bytes.length;
    if (this.#pendingBytes > PENDING_MAX_BYTES) this.flush();
  }

  /** The base of hash `hash`, kept or written. */
  read(hash: string): Promise<Uint8Array | undefined> {
    const pending = this.#pending.get(hash);
    return pending ? Promise.resolve(pending) : readBase(this.#mountDir, hash);
  }

  /** Writes what was kept. */
  flush(): void {
    for (const [hash, bytes] of this.#pending) writeBase(this.#mountDir, hash, bytes);
    this.#pending.clear();
    this.#pendingBytes = 0;
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
