/** `writeback discard`: dead-lettered ops removed on purpose, each leaving a line in `.relay/discarded.log`. */
import type { DeadLetterEntry } from "./entries.ts";
import { PRIVATE } from "./private.ts";
import { relayPaths } from "./relay_dir.ts";

/**
 * Appends what is discarded (the whole record, so nothing is lost without trace), then removes its files. `why`:
 * when the mount discards a record by itself, the reason it gives.
 */
export async function discardDeadLetter(
  mountDir: string,
  entry: DeadLetterEntry,
  now: Date,
  why?: string,
): Promise<void> {
  const line = JSON.stringify({
    discardedAt: now.toISOString(),
    ...(why ? { why } : {}),
    opId: entry.opId,
    path: entry.path,
    source: entry.source,
    lastStatus: entry.lastStatus,
    attempts: entry.attempts,
    reason: entry.reason,
    ...(entry.record ? { record: entry.record } : {}),
  }) + "\n";
  const log = await Deno.open(relayPaths(mountDir).discardedLog, { append: true, create: true, mode: PRIVATE.mode });
  try {
    const bytes = new TextEncoder().encode(line);
    for (let written = 0; written < bytes.length;) written += await log.write(bytes.subarray(written));
    await log.sync();
  } finally {
    log.close();
  }
  await removeDeadLetterFiles(entry);
}

export async function removeDeadLetterFiles(entry: Pick<DeadLetterEntry, "files">): Promise<void> {
  for (const file of entry.files) {
    await Deno.remove(file).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
}
