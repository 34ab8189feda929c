/**
 * Whole files read and written a piece at a time. `Deno.readFile` and `Deno.writeFile`, or one `read` or `write` of
 * a whole buffer, copy it once more on the way (an 80 MB file: +164 MB to read, +82 MB to write; in pieces, +82 MB
 * and +4 MB): for a large file that was the mount's peak memory.
 */

import { formatBytes } from "./bytes.ts";

const SPARE_PIECE = 64 * 1024;
const PIECE = 1024 * 1024;

/** All of `bytes` to an open file, a piece at a time. */
export async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await file.write(bytes.subarray(written, written + PIECE));
}

/** A file larger than the reader takes: it was not read (or not past the limit, when it grew while read). */
export class FileTooLargeError extends Error {
  constructor(readonly path: string, readonly size: number, readonly limit: number) {
    super(`${path} is ${formatBytes(size)}, more than the ${formatBytes(limit)} read`);
    this.name = "FileTooLargeError";
  }
}

/** A whole file into one buffer of its size; `maxBytes` refuses a bigger one (`FileTooLargeError`) before reading it. */
export async function readWholeFile(path: string, maxBytes = Infinity): Promise<Uint8Array> {
  using file = await Deno.open(path);
  const { size } = await file.stat();
  if (size > maxBytes) throw new FileTooLargeError(path, size, maxBytes);
  const buffer = new Uint8Array(size);
  let filled = 0;
  while (filled < size) {
    const read = await file.read(buffer.subarray(filled, filled + PIECE));
    if (read === null) return buffer.slice(0, filled); // it shrank since its size was read
    filled += read;
  }
  const rest = await readRest(file, maxBytes - size);
  if (rest === undefined) throw new FileTooLargeError(path, (await file.stat()).size, maxBytes); // it grew past it
  return rest.length === 0 ? buffer : concat([buffer, ...rest]); // it grew
}

/** What follows the size the file had, up to `room` bytes; `undefined` past it. */
async function readRest(file: Deno.FsFile, room: number): Promise<Uint8Array[] | undefined> {
  const pieces: Uint8Array[] = [];
  for (let total = 0;;) {
    const piece = new Uint8Array(SPARE_PIECE);
    const read = await file.read(piece);
    if (read === null) return pieces;
    total += read;
    if (total > room) return undefined;
    pieces.push(piece.subarray(0, read));
  }
}

function concat(pieces: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((sum, piece) => sum + piece.length, 0));
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}
