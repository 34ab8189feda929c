/**
 * `.relay/blobs/` kept to what the records need. A payload over the inline size is kept as a blob until its op is
 * delivered, and for as long as a dead letter holds it; nothing removed the rest, so a large file edited every minute
 * left a blob a minute in the folder for good (twenty 540 KB versions: 11 MB).
 */
import { join } from "node:path";
import { readDeadLetters } from "./dead_letter.ts";
import { readOutbox } from "./outbox.ts";
import { relayPaths } from "./relay_dir.ts";

/**
 * Removes every blob that no outbox op and no dead letter names, and that is older than `graceMs`: a blob is written
 * before the record that names it (by the mount, or by `writeback retry` in another process). Removes nothing when
 * a record cannot be read (it may name any blob). `keep`: hashes held in memory only. Returns how many went.
 */
export async function pruneBlobs(
  mountDir: string,
  options: { keep?: Iterable<string>; now: number; graceMs: number },
): Promise<number> {
  const [outbox, deadLetters] = await Promise.all([readOutbox(mountDir), readDeadLetters(mountDir)]);
  if (outbox.problems.length > 0 || deadLetters.problems.length > 0) return 0;
  const keep = new Set(options.keep);
  for (const op of outbox.ops) if (op.contentHash) keep.add(op.contentHash);
  for (const entry of deadLetters.entries) if (entry.record?.contentHash) keep.add(entry.record.contentHash);
  const folder = relayPaths(mountDir).blobs;
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(folder));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
  let removed = 0;
  for (const entry of entries) {
    if (!entry.isFile || keep.has(entry.name)) continue;
    const file = join(folder, entry.name);
    const modified = (await Deno.lstat(file).catch(() => undefined))?.mtime?.getTime();
    if (modified === undefined || options.now - modified < options.graceMs) continue;
    await Deno.remove(file).then(() => removed++, () => {});
  }
  return removed;
}
