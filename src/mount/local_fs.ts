/**
 * The mount folder as the sync engine touches it. Symlinks are never followed: a symlinked file is not read and a
 * path through a symlinked folder is not written, so nothing can make the mount reach outside its folder.
 */
import { join, sep } from "node:path";
import { sha256Hex } from "../relay/blobs.ts";
import { formatBytes } from "../lib/bytes.ts";
import { errorMessage } from "../lib/errors.ts";
import { readWholeFile, writeAll } from "../lib/whole_files.ts";
import { UNDECODABLE_NAME, unsendableLocalName } from "../protocol/paths.ts";
import { BUILT_IN_RULES, type IgnoreRules } from "./ignore.ts";

/**
 * Files up to this size are stat'ed and read with the synchronous calls. Measured on the 2-core Linux VM this project
 * benchmarks on: an async fs op spends about three times its syscall in dispatch on the main thread (lstat 11 µs sync
 * vs 38 µs async), and a pull makes several per file. Larger payloads go async, so the event loop is never held for
 * long. Writes are async at any size: creating a file is the slow call on a busy disk (0.5–0.75 ms), and creates in
 * different folders overlap on the thread pool.
 */
export const SYNC_IO_LIMIT = 1 << 20;

/**
 * The largest local file the mount reads (to hash and send it): a bigger one is listed as not sent, never read into
 * memory. Far above what a relayfile server takes in one request (1 MiB by default); a file between the two is sent
 * and dead-lettered with the server's 413, which names both sizes.
 */
export const LARGEST_LOCAL_FILE_BYTES = 64 * 1024 * 1024;

/** Why the mount does not send a file over `LARGEST_LOCAL_FILE_BYTES` (the same as the file grows). */
export const TOO_LARGE_TO_SEND = `larger than the ${formatBytes(LARGEST_LOCAL_FILE_BYTES)} a mount sends`;

/**
 * Why the mount could not look at a local path (a file or folder it may not read, a failing disk): it is neither sent
 * nor taken as deleted, and is looked at again at each scan.
 */
export function unreadableReason(error: unknown): string {
  if (isPermissionDenied(error)) return "it cannot be read here (permission denied)";
  const code = (error as { code?: unknown } | null)?.code;
  return `it cannot be read here (${typeof code === "string" ? code : errorMessage(error)})`;
}

/** Refused by the system (EACCES, EPERM) or by Deno's own permissions. */
export function isPermissionDenied(error: unknown): boolean {
  return error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable;
}

export type LocalEntry =
  | { kind: "file"; size: number; mtimeMs: number }
  | { kind: "dir" }
  | { kind: "missing" }
  | { kind: "other" };

/** Refused: the path would leave the mount folder (a symlinked folder on the way, or a symlink at the end). */
export class UnsafeLocalPathError extends Error {
  constructor(readonly relativePath: string, reason: string) {
    super(`Cannot use ${relativePath}: ${reason}`);
    this.name = "UnsafeLocalPathError";
  }
}

/** The folder has a file where the path needs a folder, or the other way round. */
export class PathClashError extends Error {
  constructor(readonly relativePath: string, readonly reason: string) {
    super(`Cannot write ${relativePath}: ${reason}`);
    this.name = "PathClashError";
  }
}

/**
 * Why the folder cannot hold a remote path, from the error writing it (a name too long, a file where a folder
 * is needed or the other way round, a name the file system refuses); `undefined` for any other error.
 */
export function unmaterializableReason(error: unknown): string | undefined {
  if (error instanceof PathClashError) return error.reason;
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case "ENAMETOOLONG":
      return "a name on its path is too long for this file system";
    case "ENOTDIR":
      return "a file here has the name of one of its folders";
    case "EISDIR":
    case "EEXIST":
      return "a folder here has its name";
    case "EINVAL":
    case "EILSEQ":
      return "this file system refuses its name";
  }
  return undefined;
}

export function localPath(root: string, relativePath: string): string {
  return join(root, ...relativePath.split("/"));
}

export function statLocal(root: string, relativePath: string): Promise<LocalEntry> {
  return Promise.resolve(statLocalSync(root, relativePath));
}

function statLocalSync(root: string, relativePath: string): LocalEntry {
  return entryAt(localPath(root, relativePath));
}

/** What is at `path`, its symlinks not followed. */
function entryAt(path: string): LocalEntry {
  try {
    const info = Deno.lstatSync(path);
    if (info.isFile) return { kind: "file", size: info.size, mtimeMs: info.mtime?.getTime() ?? 0 };
    if (info.isDirectory) return { kind: "dir" };
    return { kind: "other" };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) return { kind: "missing" };
    throw error;
  }
}

/** What a walk says besides the files it yields. */
export interface WalkReports {
  /** A file that cannot be synced under its name (the server would read it as another path, or it is not UTF-8). */
  unusable?(path: string, reason: string): void;
  /** A file or folder the mount may not read (see `unreadableReason`). */
  unreadable?(path: string, error: unknown): void;
  /** A named pipe: never synced, and while it is there Deno's file watcher stops at it (see `watch.ts`). */
  namedPipe?(path: string): void;
  /** The temp file of a write of the mount's own (see `removeLeftover`). */
  leftover?(path: string): void;
}

/**
 * Every regular file below `relativeDir` (default: the whole mount), ignored paths and symlinks left out. A file
 * that cannot be synced under its name goes to `reports.unusable` instead (the name handed over for one that is not
 * UTF-8 is not the file's), one it may not read to `reports.unreadable`, a named pipe to `reports.namedPipe`.
 */
export async function* walkLocal(
  root: string,
  relativeDir = "",
  rules: IgnoreRules = BUILT_IN_RULES,
  reports: WalkReports = {},
): AsyncGenerator<{ path: string; size: number; mtimeMs: number }> {
  if (relativeDir !== "" && rules.ignoresDir(relativeDir)) return;
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(relativeDir ? localPath(root, relativeDir) : root));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) return;
    if (relativeDir === "") throw error;
    // One folder the mount may not read must not stop the walk of every other one.
    return reports.unreadable?.(relativeDir, error);
  }
  for (const entry of entries) {
    const path = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
    if (entry.isFile && entry.name.startsWith(TEMP_PREFIX)) {
      reports.leftover?.(path);
      continue;
    }
    if (rules.ignores(path)) continue;
    if (entry.isDirectory) yield* walkLocal(root, path, rules, reports);
    else if (entry.isFile) {
      let info: LocalEntry;
      try {
        info = await statLocal(root, path);
      } catch (error) {
        reports.unreadable?.(path, error);
        continue;
      }
      const unsendable = info.kind === "file"
        ? unsendableLocalName(path)
        : info.kind === "missing" && path.includes("\uFFFD")
        ? UNDECODABLE_NAME
        : undefined;
      if (unsendable !== undefined) reports.unusable?.(path, unsendable);
      else if (info.kind === "file") yield { path, size: info.size, mtimeMs: info.mtimeMs };
    } else if (!entry.isSymlink && reports.namedPipe && isNamedPipe(localPath(root, path))) reports.namedPipe(path);
  }
}

/** A write's temp file, beside its target (the ignore rules skip it): this and a random UUID. */
const TEMP_PREFIX = ".relayfile-tmp-";

/** A temp file this old was left by a write that never ended (the mount killed in the middle). */
const LEFTOVER_AFTER_MS = 60_000;

/**
 * Removes a write's temp file when it is a leftover: a mount killed between writing a file and renaming it leaves its
 * temp file for good. One younger than a minute may be a write still going on (`writeback resolve`, in another
 * process), and is left. True when removed.
 */
export function removeLeftover(root: string, relativePath: string, now = Date.now()): boolean {
  const file = localPath(root, relativePath);
  try {
    const info = Deno.lstatSync(file);
    if (!info.isFile || now - (info.mtime?.getTime() ?? now) < LEFTOVER_AFTER_MS) return false;
    Deno.removeSync(file);
    return true;
  } catch {
    return false; // gone already, or not ours to remove: the next scan looks again
  }
}

/** Whether `path` is a named pipe (FIFO), without opening it: opening one waits for the other end. */
export function isNamedPipe(path: string): boolean {
  try {
    return Deno.lstatSync(path).isFifo === true;
  } catch {
    return false;
  }
}

/** A local regular file as read: its bytes, their hash, its size and mtime. */
export interface LocalFile {
  bytes: Uint8Array;
  hash: string;
  size: number;
  mtimeMs: number;
}

/**
 * The bytes and hash of a local regular file, or `undefined` when it is not one (gone, a folder, a symlink). Throws
 * `FileTooLargeError` for a file over `LARGEST_LOCAL_FILE_BYTES`, without reading it (`readWholeFile` checks, on the
 * open file: any such file is over `SYNC_IO_LIMIT`).
 */
export async function readLocal(root: string, relativePath: string): Promise<LocalFile | undefined> {
  const entry = statLocalSync(root, relativePath);
  if (entry.kind !== "file") return undefined;
  try {
    const file = localPath(root, relativePath);
    const bytes = entry.size <= SYNC_IO_LIMIT
      ? Deno.readFileSync(file)
      : await readWholeFile(file, LARGEST_LOCAL_FILE_BYTES);
    return { bytes, hash: await sha256Hex(bytes), size: bytes.length, mtimeMs: entry.mtimeMs };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * Refuses a path whose folders (or itself) are symlinks or not folders; creates missing folders. `checkedFolders`
 * remembers the folders already made or checked during one batch of writes, so a pull does not re-check the same
 * folder for each of its files.
 */
function prepareTarget(root: string, relativePath: string, checkedFolders: Set<string>): string {
  const segments = relativePath.split("/");
  let current = root;
  for (const segment of segments.slice(0, -1)) {
    current = join(current, segment);
    if (checkedFolders.has(current)) continue;
    try {
      Deno.mkdirSync(current);
    } catch (error) {
      // Already there: it must be a real folder, not a symlink or a file.
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      const info = Deno.lstatSync(current);
      if (info.isSymlink) throw new UnsafeLocalPathError(relativePath, "a folder on the way is a symlink");
      if (!info.isDirectory) throw new PathClashError(relativePath, "a file here has the name of one of its folders");
    }
    checkedFolders.add(current);
  }
  const target = join(current, segments.at(-1)!);
  try {
    const info = Deno.lstatSync(target);
    if (info.isSymlink) throw new UnsafeLocalPathError(relativePath, "it is a symlink");
    if (info.isDirectory) removeEmptyFolder(target, relativePath);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return target;
}

/**
 * A folder where a file is to be written gives way only when empty (what is left after its files were deleted, when
 * a remote folder became a file): nothing in it is lost. One with anything in it is a clash.
 */
function removeEmptyFolder(target: string, relativePath: string): void {
  try {
    Deno.removeSync(target);
  } catch {
    throw new PathClashError(relativePath, "a folder here has its name");
  }
}

/**
 * What a write may replace, as the mount saw it when it decided to write: `null`, no file at all; a version (its size
 * and mtime), only that version. A file written here in between is never replaced: the write fails with
 * `LocalChangedError` and the file stays as it is.
 */
export type Replacing = null | { size: number; mtimeMs: number };

/** The local file changed after the mount decided to write over it: it was left as it is. */
export class LocalChangedError extends Error {
  constructor(readonly relativePath: string) {
    super(`${relativePath} changed here while the server's version was being written`);
    this.name = "LocalChangedError";
  }
}

export interface WriteOptions {
  /** Applied as the temp file is created, less the umask, as with any tool (default 0644). */
  mode?: number;
  /** One set for a batch of writes: the folders already made or checked (a folder removed meanwhile is made again). */
  checkedFolders?: Set<string>;
  /** Without it, whatever is there is replaced. */
  replacing?: Replacing;
}

/** Writes a file atomically (temp file beside it, then rename) and returns what it now is on disk. */
export async function writeLocal(
  root: string,
  relativePath: string,
  bytes: Uint8Array,
  options: WriteOptions = {},
): Promise<{ size: number; mtimeMs: number }> {
  const { mode = 0o644, checkedFolders = new Set<string>(), replacing } = options;
  const write = () =>
    writeAtomically(prepareTarget(root, relativePath, checkedFolders), relativePath, bytes, mode, replacing);
  try {
    return await write();
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound) || checkedFolders.size === 0) throw error;
    checkedFolders.clear();
    return await write();
  }
}

async function writeAtomically(
  target: string,
  relativePath: string,
  bytes: Uint8Array,
  mode: number,
  replacing: Replacing | undefined,
): Promise<{ size: number; mtimeMs: number }> {
  const temp = `${target.slice(0, target.lastIndexOf(sep) + 1)}${TEMP_PREFIX}${crypto.randomUUID()}`;
  try {
    if (bytes.length <= SYNC_IO_LIMIT) await Deno.writeFile(temp, bytes, { mode }); // one op: open, write, close
    else {
      using file = await Deno.open(temp, { write: true, create: true, truncate: true, mode });
      await writeAll(file, bytes);
    }
    if (!putInPlace(temp, target, replacing)) throw new LocalChangedError(relativePath);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
  const info = Deno.lstatSync(target);
  return { size: info.size, mtimeMs: info.mtime?.getTime() ?? 0 };
}

/**
 * The written temp file in the target's place, unless the target is no longer what `replacing` says (then false, and
 * the temp file is left to the caller). A new file is linked in (which fails if one appeared: no window at all); a
 * version is checked just before the rename, with no await between, so only a write in the same instant can slip
 * through — closing that needs `renameat2`.
 */
function putInPlace(temp: string, target: string, replacing: Replacing | undefined): boolean {
  if (replacing === null) {
    try {
      Deno.linkSync(temp, target);
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) return false;
      // A file system without hard links: checked, then renamed.
      if (error instanceof Deno.errors.NotFound || entryAt(target).kind !== "missing") throw error;
      Deno.renameSync(temp, target);
      return true;
    }
    Deno.removeSync(temp);
    return true;
  }
  if (replacing !== undefined) {
    const now = entryAt(target);
    if (now.kind !== "file" || now.size !== replacing.size || now.mtimeMs !== replacing.mtimeMs) return false;
  }
  Deno.renameSync(temp, target);
  return true;
}

export async function removeLocal(root: string, relativePath: string): Promise<void> {
  const target = localPath(root, relativePath);
  try {
    const info = await Deno.lstat(target);
    if (!info.isFile) return;
    await Deno.remove(target);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
