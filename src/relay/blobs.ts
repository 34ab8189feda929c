/** `<mount>/.relay/blobs/<sha256>`: content-addressed payload snapshots, so a dead letter keeps what it failed with. */
import { join } from "node:path";
import { writeFileAtomic } from "../lib/atomic_write.ts";
import { readWholeFile } from "../lib/whole_files.ts";
import { InvalidRecordError } from "../lib/errors.ts";
import { PRIVATE } from "./private.ts";
import { relayPaths } from "./relay_dir.ts";

/**
 * Through node:crypto at every size: twice as fast as WebCrypto's digest on a large file (80 MB: 46 vs 104 ms).
 * Loaded on first use: the commands that only read records (`writeback status`) never hash, and loading it costs
 * every process ~5 ms at start.
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  nodeCrypto ??= await import("node:crypto");
  return nodeCrypto.createHash("sha256").update(bytes).digest("hex");
}

/** Held once loaded: an `import()` per hash costs a few microseconds each, measurable over a 10,000-file pull. */
let nodeCrypto: typeof import("node:crypto") | undefined;

export function blobFile(mountDir: string, hash: string): string {
  return join(relayPaths(mountDir).blobs, hash);
}

/** Stores `bytes` (once) and returns their SHA-256. */
export async function putBlob(mountDir: string, bytes: Uint8Array): Promise<string> {
  const hash = await sha256Hex(bytes);
  if (!(await hasBlob(mountDir, hash))) await writeFileAtomic(blobFile(mountDir, hash), bytes, PRIVATE);
  return hash;
}

export async function hasBlob(mountDir: string, hash: string): Promise<boolean> {
  try {
    return (await Deno.stat(blobFile(mountDir, hash))).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** The stored bytes, checked against their name; `undefined` when the blob is missing. */
export async function readBlob(mountDir: string, hash: string): Promise<Uint8Array | undefined> {
  const file = blobFile(mountDir, hash);
  let bytes: Uint8Array;
  try {
    bytes = await readWholeFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  if (await sha256Hex(bytes) !== hash) {
    throw new InvalidRecordError(file, `Cannot use blob ${file}: its content does not match its hash`);
  }
  return bytes;
}
