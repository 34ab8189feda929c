/**
 * Which ops go out now, in which requests, and when to look again. Pure: the ops, the time and the breaker's state
 * go in; lists and a time come out.
 */
import { chunksBy } from "../lib/chunks.ts";
import type { WritebackOp } from "./op.ts";
import { type CircuitState, isOpen } from "./circuit.ts";

export interface BatchLimits {
  /** Upper bound for one bulk request body (the reference server's default limit is 1 MiB). */
  maxBytes: number;
  maxFiles: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxBytes: 768 * 1024, maxFiles: 256 };

/**
 * A path sent again within this long of its last send waits for the rest of it: a file rewritten many times a second
 * (a log, a generated file) goes out about once a second with its newest bytes, not once per write, while the first
 * write of a path after a quiet second still goes at once.
 */
export const SAME_PATH_SPACING_MS = 1_000;

/** What the table knows of a path's sending: whether an op of it is in flight, and when one last went out. */
export interface PathSending {
  inFlight: boolean;
  sentAt: number | undefined;
}

/**
 * Not being sent (no op of its path is), and either never sent and not spaced after its path's last send, or past
 * its retry time.
 */
export function isDue(op: WritebackOp, now: number, path: PathSending): boolean {
  if (path.inFlight) return false;
  if (op.state === "pending") return sendableAt(path) <= now;
  return op.state === "retry_wait" && Date.parse(op.notBefore ?? "") <= now;
}

function sendableAt(path: PathSending): number {
  return path.sentAt === undefined ? -Infinity : path.sentAt + SAME_PATH_SPACING_MS;
}

/**
 * While the breaker probes, one op goes out alone: the one that has waited longest since its last attempt. A
 * poisoned file cannot be every probe (its last attempt is always the newest), so the next probe tells whether the
 * server serves; batched, it would fail its batch-mates with it round after round.
 */
export function probeOrAll(due: readonly WritebackOp[], probing: boolean): readonly WritebackOp[] {
  if (!probing || due.length <= 1) return due;
  let oldest = due[0]!;
  for (const op of due) if (op.updatedAt < oldest.updatedAt) oldest = op;
  return [oldest];
}

/** What goes out now: bulk batches of creates and updates, and the deletes (sent one by one). */
export interface SendPlan {
  batches: WritebackOp[][];
  deletes: WritebackOp[];
}

export function planSends(due: readonly WritebackOp[], limits: BatchLimits): SendPlan {
  const deletes = due.filter((op) => op.kind === "delete");
  const writes = due.filter((op) => op.kind !== "delete");
  // A change that never failed does not share a request with one that did: a poisoned file cannot hold it back.
  const fresh = writes.filter((op) => op.history.length === 0);
  const failed = writes.filter((op) => op.history.length > 0);
  return { batches: [...batchesOf(fresh, limits), ...batchesOf(failed, limits)], deletes };
}

/** Creates and updates in request-sized batches, in order. */
export function batchesOf(ops: readonly WritebackOp[], limits: BatchLimits): WritebackOp[][] {
  const requestSize = (op: WritebackOp) => (op.payload?.content.length ?? op.payloadBytes ?? 0) + op.path.length + 256;
  return chunksBy(ops, requestSize, limits.maxBytes, limits.maxFiles);
}

/**
 * When the next send pass should run: now for a pending op (or once its path's spacing is over), at its `notBefore`
 * for one waiting to retry, never before the breaker lets requests through; `undefined` when nothing waits.
 */
export function nextWakeAt(
  ops: Iterable<WritebackOp>,
  now: number,
  sendingOf: (path: string) => PathSending,
  circuit: CircuitState,
): number | undefined {
  let earliest = Infinity;
  for (const op of ops) {
    if (op.state === "retry_wait") earliest = Math.min(earliest, Date.parse(op.notBefore ?? "") || 0);
    else if (op.state === "pending") {
      const path = sendingOf(op.path);
      if (!path.inFlight) earliest = Math.min(earliest, Math.max(now, sendableAt(path)));
    }
  }
  if (earliest === Infinity) return undefined;
  return isOpen(circuit, now) ? Math.max(earliest, circuit.openUntil) : earliest;
}
