/**
 * How ops enter the queue: a local change becomes an op persisted in the outbox before anything is sent (its
 * payload inline when small, else in blobs/), superseding the unsent op of its path; and ops another process put in
 * the outbox (`writeback retry`) are adopted.
 */
import { base64Length } from "../protocol/content.ts";
import { putBlob } from "../relay/blobs.ts";
import { readOutbox } from "../relay/outbox.ts";
import { INLINE_PAYLOAD_MAX_BYTES, type InlinePayload, type NewOp, newOp, transition, type WritebackOp } from "./op.ts";
import type { QueueParts } from "./outcomes.ts";

/** A local change handed to the queue. */
export interface LocalChange extends NewOp {
  /** The bytes to upload (create/update), already hashed. */
  bytes?: Uint8Array;
  /** Wire form of `bytes`, when they are small enough to be kept inline (a larger payload is encoded as it is sent). */
  wire?: InlinePayload;
}

/**
 * Persists ops for local changes (fsynced), superseding unsent ops of the same paths. A delete of a path that was
 * never uploaded makes no op: it only supersedes the unsent create.
 */
export async function persistChanges(
  parts: QueueParts,
  changes: readonly LocalChange[],
  baseRevisionOf: (path: string) => string | null,
): Promise<void> {
  const now = parts.now();
  const toWrite: WritebackOp[] = [];
  const superseded: WritebackOp[] = [];
  const blobs: Uint8Array[] = [];
  for (const change of changes) {
    const previous = parts.table.opFor(change.path);
    if (previous && previous.state !== "in_flight") superseded.push(previous);
    const neverUploaded = change.kind === "delete" && change.baseRevision === null &&
      baseRevisionOf(change.path) === null;
    if (neverUploaded) continue;
    // Ids take their own randomness: the injected `random` is the backoff's jitter, which a test may pin.
    const op = newOp(change, now, Math.random);
    if (change.wire && change.bytes && change.bytes.length <= INLINE_PAYLOAD_MAX_BYTES) op.payload = change.wire;
    else if (change.bytes) {
      blobs.push(change.bytes);
      op.payloadBytes = base64Length(change.bytes.length);
    }
    toWrite.push(op);
  }
  for (const bytes of blobs) await putBlob(parts.mountDir, bytes);
  await parts.outbox.write(toWrite);
  await parts.settle(superseded);
  for (const op of toWrite) parts.table.put(op);
}

/** Takes in ops that appeared in the outbox (not held, not being removed); returns how many. */
export async function adoptFromOutbox(parts: QueueParts): Promise<number> {
  // Only files the queue does not hold are read: a burst keeps a thousand ops here, and this runs every second.
  // An id the queue settled earlier may come back: `writeback retry` re-queues a dead letter under its opId.
  const held = new Set(parts.receipts.waiting().map((op) => op.opId));
  const isNew = (opId: string) => !parts.table.has(opId) && !held.has(opId) && !parts.outbox.isRemoving(opId);
  const { ops } = await readOutbox(parts.mountDir, isNew);
  let adopted = 0;
  for (const op of ops) {
    if (!isNew(op.opId)) continue;
    if (op.state === "accepted" && op.receipt) {
      parts.book.forget(op.path, op.opId);
      parts.receipts.add(op); // `writeback retry` asked the server to replay it: its receipt is awaited again
      adopted++;
      continue;
    }
    const previous = parts.table.opFor(op.path);
    if (previous?.state === "in_flight") continue; // taken in once the op on its way has settled
    if (previous) await parts.settle([previous]);
    parts.book.forget(op.path, op.opId);
    parts.table.put(transition(op, { type: "recovered" }));
    adopted++;
  }
  return adopted;
}
