/** Reads the local file of a remote path, refusing anything that would leave the mount folder. */
import { PreconditionError } from "../lib/errors.ts";
import { localPathFor } from "../protocol/paths.ts";

export type LocalFile = { exists: false; file: string } | { exists: true; file: string; bytes: Uint8Array };

export async function readLocalFile(mountDir: string, remoteRoot: string, remotePath: string): Promise<LocalFile> {
  const file = localPathFor(mountDir, remoteRoot, remotePath);
  if (file === undefined) {
    throw new PreconditionError(`path "${remotePath}" is not under mount root "${remoteRoot}"`);
  }
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { exists: false, file };
    throw error;
  }
  if (info.isSymlink) throw new PreconditionError(`local path ${file} is a symlink; it is not sent`);
  if (info.isDirectory) throw new PreconditionError(`local path ${file} is a directory`);
  return { exists: true, file, bytes: await Deno.readFile(file) };
}
