/**
 * `<mount>/.relay/bases.sqlite`: the last synced content of text files, keyed by their sha256, so that a change met
 * by a concurrent one can be merged against what both started from — after a restart too. A cache, not a record:
 * written without fsync (a base lost in a crash only means a conflict copy instead of a merge; a database a crash
 * left unreadable is started afresh), checked against its hash when read, and pruned to what the mount still tracks
 * or is sending.
 *
 * One database, not a file per base: a pull of a thousand files made a thousand more files here, and creating a file
 * is the slow call on a busy disk (0.3–0.75 ms on the bench machine); a thousand bases are one transaction (~4 ms).
 * Earlier versions kept `.relay/bases/<sha256>` files: they are still read, and `prune` moves the ones in use in.
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { join } from "node:path";
import { errorMessage } from "../lib/errors.ts";
import { MERGE_MAX_BYTES } from "../protocol/merge.ts";
import { sha256Hex } from "./blobs.ts";
import { PRIVATE } from "./private.ts";
import { relayPaths } from "./relay_dir.ts";

const DATABASE_NAME = "bases.sqlite";
const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;
/** How long a read waits for the mount's write in progress (a `writeback resolve` beside a running mount). */
const BUSY_TIMEOUT_MS = 2_000;
/** Past this many bytes kept and not yet written, `keep` writes at once (a pull of large text files stays bounded). */
const UNWRITTEN_MAX_BYTES = 2 * 1024 * 1024;

function databasePath(mountDir: string): string {
  return join(relayPaths(mountDir).root, DATABASE_NAME);
}

function legacyDir(mountDir: string): string {
  return join(relayPaths(mountDir).root, "bases");
}

/**
 * The database, made when missing (private, as everything under `.relay/`; never the mount folder: with it gone,
 * this throws `NotFound`). One that is no database throws here, as one with torn pages throws at its first query:
 * the store's `prune` and `flush` start it afresh either way.
 */
function openDatabase(mountDir: string): DatabaseSync {
  makeRelayFolder(mountDir);
  const path = databasePath(mountDir);
  // Made with the private mode first: SQLite gives its -wal and -shm files the database file's mode.
  try {
    Deno.writeFileSync(path, new Uint8Array(), { createNew: true, mode: PRIVATE.mode });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
  const database = new DatabaseSync(path, { timeout: BUSY_TIMEOUT_MS });
  try {
    database.exec(
      "PRAGMA auto_vacuum = INCREMENTAL; PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; " +
        "PRAGMA cache_size = -256; " +
        "CREATE TABLE IF NOT EXISTS bases (hash TEXT PRIMARY KEY, bytes BLOB NOT NULL)",
    );
    return database;
  } catch (error) {
    database.close();
    throw error;
  }
}

/** `.relay/` inside an existing mount folder (a cache never makes the mount folder itself again). */
function makeRelayFolder(mountDir: string): void {
  try {
    Deno.mkdirSync(relayPaths(mountDir).root, { mode: PRIVATE.dirMode });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
}

/** A database a crash or a stray write left unreadable (not one that is busy, or not ours to open). */
function isUnreadable(error: unknown): boolean {
  const { errcode, message } = error as { errcode?: number; message?: string };
  return errcode === SQLITE_CORRUPT || errcode === SQLITE_NOTADB || /malformed|not a database/.test(message ?? "");
}

function removeDatabase(mountDir: string): void {
  for (const suffix of ["", "-wal", "-shm"]) {
    try {
      Deno.removeSync(databasePath(mountDir) + suffix);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
}

/** `bytes` when they are what `hash` names, else `undefined` (a torn write, a file changed by hand). */
async function checked(hash: string, bytes: Uint8Array | undefined): Promise<Uint8Array | undefined> {
  return bytes && await sha256Hex(bytes) === hash ? bytes : undefined;
}

/** The base of `hash` in the database `open` gives, else among the files of an earlier version. */
async function lookUp(
  open: () => DatabaseSync,
  mountDir: string,
  hash: string,
): Promise<Uint8Array | undefined> {
  try {
    const row = open().prepare("SELECT bytes FROM bases WHERE hash = ?").get(hash);
    const found = await checked(hash, row?.bytes as Uint8Array | undefined);
    if (found) return found;
  } catch {
    // No database yet, or one this cache cannot read: a miss there.
  }
  return await readLegacyBase(mountDir, hash);
}

async function readLegacyBase(mountDir: string, hash: string): Promise<Uint8Array | undefined> {
  try {
    return await checked(hash, await Deno.readFile(join(legacyDir(mountDir), hash)));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * The base of hash `hash` for a command beside the mount (`writeback resolve`): read-only, never creating the
 * database. `undefined` when it was never kept, has been pruned, or is not what its name says.
 */
export async function readBase(mountDir: string, hash: string): Promise<Uint8Array | undefined> {
  let database: DatabaseSync | undefined;
  try {
    return await lookUp(
      () => database = new DatabaseSync(databasePath(mountDir), { readOnly: true, timeout: BUSY_TIMEOUT_MS }),
      mountDir,
      hash,
    );
  } finally {
    database?.close();
  }
}

/**
 * The bases of one mount, kept as the mount meets their content and written together after the step that met them
 * (`flush`): one transaction for the thousand bases of a pull. Until written, a base is read from memory.
 */
export class BaseStore {
  readonly #mountDir: string;
  readonly #unwritten = new Map<string, Uint8Array>();
  #unwrittenBytes = 0;
  readonly #onUnavailable: (reason: string) => void;
  #reported = false;
  #database: DatabaseSync | undefined;
  #insert: StatementSync | undefined;

  /** `onUnavailable` is told, once, when the database cannot be used at all (merges then become conflict copies). */
  constructor(mountDir: string, options: { onUnavailable?: (reason: string) => void } = {}) {
    this.#mountDir = mountDir;
    this.#onUnavailable = options.onUnavailable ?? (() => {});
  }

  /** Keeps `bytes` as a base when a line merge could take them: at most its size, no NUL byte (text, most likely). */
  keep(hash: string, bytes: Uint8Array): void {
    if (bytes.length > MERGE_MAX_BYTES || bytes.includes(0) || this.#unwritten.has(hash)) return;
    this.#unwritten.set(hash, bytes);
    this.#unwrittenBytes += bytes.length;
    if (this.#unwrittenBytes > UNWRITTEN_MAX_BYTES) this.flush();
  }

  /** The base of hash `hash`, kept or written. */
  async read(hash: string): Promise<Uint8Array | undefined> {
    return this.#unwritten.get(hash) ?? await lookUp(() => this.#open(), this.#mountDir, hash);
  }

  /** Writes what was kept, in one transaction. A cache: what cannot be written is a miss later, never an error. */
  flush(): void {
    if (this.#unwritten.size === 0) return;
    const entries = [...this.#unwritten];
    this.#unwritten.clear();
    this.#unwrittenBytes = 0;
    this.#closeIfRemoved();
    try {
      this.#write(entries);
    } catch (error) {
      // Busy or not writable: these bases are misses later.
      if (!isUnreadable(error)) return this.#report(error);
      try {
        this.#startAfresh();
        this.#write(entries);
      } catch (again) {
        this.#report(again);
      }
    }
  }

  /** Writes everything kept so far and closes the database (when the mount stops). */
  close(): void {
    this.flush();
    this.#close();
  }

  /**
   * Removes every base whose hash is not in `keep`, and moves the bases of an earlier version's `.relay/bases/`
   * folder that are still in use into the database; returns how many were removed. A cache the mount cannot read
   * is started afresh: it never keeps a mount from starting.
   */
  async prune(keep: ReadonlySet<string>): Promise<number> {
    try {
      return await this.#moveLegacyBases(keep) + this.#removeAllBut(keep);
    } catch (error) {
      try {
        if (!isUnreadable(error)) throw error;
        this.#startAfresh();
      } catch (unusable) {
        this.#report(unusable); // reads and writes miss, as with no cache
      }
      return 0;
    }
  }

  #removeAllBut(keep: ReadonlySet<string>): number {
    const database = this.#open();
    const gone = (database.prepare("SELECT hash FROM bases").all() as { hash: string }[])
      .map((row) => row.hash)
      .filter((hash) => !keep.has(hash));
    if (gone.length === 0) return 0;
    const remove = database.prepare("DELETE FROM bases WHERE hash = ?");
    this.#transaction(() => gone.forEach((hash) => remove.run(hash)));
    database.exec("PRAGMA incremental_vacuum");
    return gone.length;
  }

  async #moveLegacyBases(keep: ReadonlySet<string>): Promise<number> {
    const folder = legacyDir(this.#mountDir);
    let names: string[];
    try {
      names = await Array.fromAsync(Deno.readDir(folder), (entry) => entry.name);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return 0;
      throw error;
    }
    const moved: [string, Uint8Array][] = [];
    for (const name of names) {
      const bytes = keep.has(name) ? await readLegacyBase(this.#mountDir, name) : undefined;
      if (bytes) moved.push([name, bytes]);
    }
    this.#write(moved);
    await Deno.remove(folder, { recursive: true });
    return names.length - moved.length;
  }

  #open(): DatabaseSync {
    this.#database ??= openDatabase(this.#mountDir);
    return this.#database;
  }

  #write(entries: readonly [string, Uint8Array][]): void {
    if (entries.length === 0) return;
    this.#insert ??= this.#open().prepare("INSERT OR IGNORE INTO bases (hash, bytes) VALUES (?, ?)");
    const insert = this.#insert;
    this.#transaction(() => entries.forEach(([hash, bytes]) => insert.run(hash, bytes)));
  }

  #transaction(work: () => void): void {
    const database = this.#open();
    database.exec("BEGIN IMMEDIATE");
    try {
      work();
      database.exec("COMMIT");
    } catch (error) {
      if (database.isTransaction) database.exec("ROLLBACK");
      throw error;
    }
  }

  /**
   * Says once that the database cannot be used. Not worth saying: a busy one (another process writing), or a mount
   * folder that is gone (the mount is stopping).
   */
  #report(error: unknown): void {
    if (this.#reported || error instanceof Deno.errors.NotFound || /locked|busy/.test(errorMessage(error))) return;
    this.#reported = true;
    this.#onUnavailable(errorMessage(error));
  }

  /** A database a crash left unreadable: closed, removed, and made again at the next use. */
  #startAfresh(): void {
    this.#close();
    removeDatabase(this.#mountDir);
  }

  /** A database whose file is gone (`.relay/` removed under the mount) is made again: writes would go nowhere. */
  #closeIfRemoved(): void {
    if (this.#database === undefined) return;
    try {
      Deno.statSync(databasePath(this.#mountDir));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) this.#close();
    }
  }

  #close(): void {
    this.#insert = undefined;
    this.#database?.close();
    this.#database = undefined;
  }
}
