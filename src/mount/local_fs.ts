/**
 * The mount folder as the sync engine touches it. Symlinks are never followed: a symlinked file is not read and a
 * path through a symlinked folder is not written, so nothing can make the mount reach outside its folder.
 */
import { join, sep } from "node:path";
import { sha256Hex } from "../writeback/blobs.ts";
import { relayPaths } from "../writeback/relay_dir.ts";
import { isIgnored, isIgnoredDir } from "./ignore.ts";

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

export function localPath(root: string, relativePath: string): string {
  return join(root, ...relativePath.split("/"));
}

export async function statLocal(root: string, relativePath: string): Promise<LocalEntry> {
  try {
    const info = await Deno.lstat(localPath(root, relativePath));
    if (info.isFile) return { kind: "file", size: info.size, mtimeMs: info.mtime?.getTime() ?? 0 };
    if (info.isDirectory) return { kind: "dir" };
    return { kind: "other" };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) return { kind: "missing" };
    throw error;
  }
}

/** Every regular file below `relativeDir` (default: the whole mount), ignored paths and symlinks left out. */
export async function* walkLocal(
  root: string,
  relativeDir = "",
): AsyncGenerator<{ path: string; size: number; mtimeMs: number }> {
  if (relativeDir !== "" && isIgnoredDir(relativeDir)) return;
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(relativeDir ? localPath(root, relativeDir) : root));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) return;
    throw error;
  }
  for (const entry of entries) {
    const path = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
    if (isIgnored(path)) continue;
    if (entry.isDirectory) yield* walkLocal(root, path);
    else if (entry.isFile) {
      const info = await statLocal(root, path);
      if (info.kind === "file") yield { path, size: info.size, mtimeMs: info.mtimeMs };
    }
  }
}

/** The bytes and hash of a local regular file, or `undefined` when it is not one (gone, a folder, a symlink). */
export async function readLocal(
  root: string,
  relativePath: string,
): Promise<{ bytes: Uint8Array; hash: string; size: number; mtimeMs: number } | undefined> {
  const entry = await statLocal(root, relativePath);
  if (entry.kind !== "file") return undefined;
  try {
    const bytes = await Deno.readFile(localPath(root, relativePath));
    return { bytes, hash: await sha256Hex(bytes), size: bytes.length, mtimeMs: entry.mtimeMs };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** Refuses a path whose folders (or itself) are symlinks or not folders; creates missing folders. */
async function prepareTarget(root: string, relativePath: string): Promise<string> {
  const segments = relativePath.split("/");
  let current = root;
  for (const segment of segments.slice(0, -1)) {
    current = join(current, segment);
    try {
      await Deno.mkdir(current);
    } catch (error) {
      // Already there (perhaps made by a parallel write): it must be a real folder, not a symlink or a file.
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      const info = await Deno.lstat(current);
      if (info.isSymlink) throw new UnsafeLocalPathError(relativePath, "a folder on the way is a symlink");
      if (!info.isDirectory) throw new UnsafeLocalPathError(relativePath, "a file stands where a folder should be");
    }
  }
  const target = join(current, segments.at(-1)!);
  try {
    const info = await Deno.lstat(target);
    if (info.isSymlink) throw new UnsafeLocalPathError(relativePath, "it is a symlink");
    if (info.isDirectory) throw new UnsafeLocalPathError(relativePath, "it is a folder");
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return target;
}

/** Writes a file atomically (temp file beside it, then rename) and returns what it now is on disk. */
export async function writeLocal(
  root: string,
  relativePath: string,
  bytes: Uint8Array,
  mode = 0o644,
): Promise<{ size: number; mtimeMs: number }> {
  const target = await prepareTarget(root, relativePath);
  const temp = `${target.slice(0, target.lastIndexOf(sep) + 1)}.relayfile-tmp-${crypto.randomUUID()}`;
  try {
    await Deno.writeFile(temp, bytes, { mode });
    if (Deno.build.os !== "windows") await Deno.chmod(temp, mode);
    await Deno.rename(temp, target);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
  const info = await Deno.lstat(target);
  return { size: info.size, mtimeMs: info.mtime?.getTime() ?? 0 };
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

/** Keeps local bytes that lost against a remote change: `.relay/conflicts/<remote path>.<rev>.local`. */
export async function saveConflictCopy(
  mountDir: string,
  remotePath: string,
  revision: string | null,
  bytes: Uint8Array,
): Promise<string> {
  const rev = (revision ?? "new").replace(/[^\w.-]/g, "_");
  const relative = `${remotePath.replace(/^\/+/, "")}.${rev}.local`;
  const target = join(relayPaths(mountDir).conflicts, ...relative.split("/"));
  await Deno.mkdir(target.slice(0, target.lastIndexOf(sep)), { recursive: true });
  await Deno.writeFile(target, bytes);
  return target;
}
