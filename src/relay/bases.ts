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
 * Writes `bytes` as the base of hash `hash` (once), create-only: a write cut short by a crash is caught by
 * `readBase`, which checks the content against its name.
 */
async function writeBase(mountDir: string, hash: string, bytes: Uint8Array, sync: boolean): Promise<void> {
  const dir = basesDir(mountDir);
  if (!madeFolders.has(dir)) {
    Deno.mkdirSync(dir, { recursive: true, mode: PRIVATE.dirMode });
    madeFolders.add(dir);
  }
  const options = { createNew: true, mode: PRIVATE.mode };
  try {
    if (sync) Deno.writeFileSync(join(dir, hash), bytes, options);
    else await Deno.writeFile(join(dir, hash), bytes, options);
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

/** Past this many bytes kept and not yet written, `keep` writes at once (a pull of large text files stays bounded). */
const UNWRITTEN_MAX_BYTES = 2 * 1024 * 1024;

/**
 * The bases of one mount, kept as the mount meets their content and written after the step that met them (`flush`),
 * in the background: creating a file can cost more than a millisecond on a busy disk, and a burst of a thousand
 * uploads must not wait for a thousand bases. Until written, a base is read from memory.
 */
export class BaseStore {
  readonly #mountDir: string;
  readonly #unwritten = new Map<string, Uint8Array>();
  #unwrittenBytes = 0;
  #writing: Promise<void> | undefined;

  constructor(mountDir: string) {
    this.#mountDir = mountDir;
  }

  /** Keeps `bytes` as a base when a line merge could take them: at most its size, no NUL byte (text, most likely). */
  keep(hash: string, bytes: Uint8Array): void {
    if (bytes.length > MERGE_MAX_BYTES || bytes.includes(0) || this.#unwritten.has(hash)) return;
    if (this.#unwrittenBytes + bytes.length > UNWRITTEN_MAX_BYTES) {
      writeBase(this.#mountDir, hash, bytes, true).catch(() => {});
      return;
    }
    this.#unwritten.set(hash, bytes);
    this.#unwrittenBytes += bytes.length;
  }

  /** The base of hash `hash`, kept or written. */
  read(hash: string): Promise<Uint8Array | undefined> {
    const unwritten = this.#unwritten.get(hash);
    return unwritten ? Promise.resolve(unwritten) : readBase(this.#mountDir, hash);
  }

  /** Starts writing what was kept, one file at a time, without waiting for it. */
  flush(): void {
    this.#writing ??= this.#writeUnwritten().finally(() => this.#writing = undefined);
  }

  /** Everything kept so far, written (when the mount stops). */
  async settled(): Promise<void> {
    while (this.#writing || this.#unwritten.size > 0) {
      this.flush();
      await this.#writing;
    }
  }

  async #writeUnwritten(): Promise<void> {
    // A Map's iterator also visits what is kept while it runs.
    for (const [hash, bytes] of this.#unwritten) {
      await writeBase(this.#mountDir, hash, bytes, false).catch(() => {}); // a cache: a base not written is a miss
      this.#unwritten.delete(hash);
      this.#unwrittenBytes -= bytes.length;
    }
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
