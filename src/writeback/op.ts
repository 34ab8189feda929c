/**
 * The writeback op: one local change (create, update or delete of one path) on its way to the server, and the
 * dead-letter record it becomes when it cannot get there. Pure: time is passed in.
 */
import type { Classification, NextAction } from "../relay/classify.ts";
import type { Attempt, DeadLetterRecord, OpKind, WritebackOp } from "../relay/records.ts";
import type { Decision, Failure } from "./policy.ts";

export * from "../relay/records.ts";

/** Payloads up to this size travel inside the op record. */
export const INLINE_PAYLOAD_MAX_BYTES = 256 * 1024;

/**
 * The bulk `contentIdentity` key of an op: stable across replays of the same content (so the server applies it
 * once), different when the content differs.
 */
export function contentIdentityKey(op: Pick<WritebackOp, "opId" | "contentHash">): string {
  return `${op.opId}:${op.contentHash ?? "delete"}`;
}

/** A new op id: time-ordered, then random (both passed in). */
export function newOpId(now: number, random: () => number): string {
  const suffix = Array.from({ length: 8 }, () => Math.floor(random() * 36).toString(36)).join("");
  return `op_${now.toString(36)}_${suffix}`;
}

/** What a new op is made of: one local change, already hashed. */
export interface NewOp {
  path: string;
  kind: OpKind;
  contentHash: string | null;
  contentType?: string;
  baseRevision: string | null;
}

/** A new op, `pending`: the one constructor of a fresh op (a retried one comes from `requeue`). */
export function newOp(change: NewOp, now: number, random: () => number): WritebackOp {
  const at = new Date(now).toISOString();
  const op: WritebackOp = {
    schemaVersion: 1,
    opId: newOpId(now, random),
    path: change.path,
    kind: change.kind,
    state: "pending",
    contentHash: change.contentHash,
    baseRevision: change.baseRevision,
    attempts: 0,
    createdAt: at,
    updatedAt: at,
    history: [],
  };
  if (change.contentType) op.contentType = change.contentType;
  return op;
}

/** An event in an op's life that is not a failure (failures go through `afterFailure`, which needs a decision). */
export type OpEvent =
  /** A request carrying the op starts. */
  | { type: "sent" }
  /** Read back after a restart: a request that was under way is as if never answered. */
  | { type: "recovered" }
  /** The server answers again after an outage: a retry need not wait for the rest of its backoff. */
  | { type: "woken" };

/**
 * The op's life, pure: `pending → in_flight` when sent, `in_flight → pending` when recovered after a restart,
 * `retry_wait → pending` when woken by the server's recovery.
 * Settling (delivered, superseded, dead-lettered) removes the op rather than changing its state.
 */
export function transition(op: WritebackOp, event: OpEvent): WritebackOp {
  switch (event.type) {
    case "sent":
      return op.state === "in_flight" ? op : { ...op, state: "in_flight" };
    case "recovered":
      return op.state === "in_flight" ? { ...op, state: "pending" } : op;
    case "woken": {
      if (op.state !== "retry_wait") return op;
      const { notBefore: _notBefore, ...woken } = op;
      return { ...woken, state: "pending" };
    }
  }
}

/** The dead-letter record of an op that cannot be delivered. */
export function deadLetterOf(
  op: WritebackOp,
  failure: {
    status: number;
    body: string;
    classification: DeadLetterRecord["classification"];
    nextAction: DeadLetterRecord["nextAction"];
  },
  now: Date,
): DeadLetterRecord {
  const record: DeadLetterRecord = {
    opId: op.opId,
    path: op.path,
    attempts: op.attempts,
    lastStatus: failure.status,
    lastBody: failure.body,
    ts: now.toISOString(),
    schemaVersion: 1,
    kind: op.kind,
    baseRevision: op.baseRevision,
    contentHash: op.contentHash,
    classification: failure.classification,
    nextAction: failure.nextAction,
    createdAt: op.createdAt,
    history: op.history,
  };
  if (op.contentType !== undefined) record.contentType = op.contentType;
  return record;
}

/** History kept per op; older attempts are dropped (the lifetime count lives in `failedWritebacks`). */
export const MAX_HISTORY = 50;

export function appendAttempt(history: readonly Attempt[], attempt: Attempt): Attempt[] {
  return [...history, attempt].slice(-MAX_HISTORY);
}

/** `writeback retry`: the dead-lettered op goes back to the outbox with a fresh attempt budget. */
export function requeue(
  record: DeadLetterRecord,
  now: Date,
  payload: { contentHash: string | null } = { contentHash: record.contentHash },
): WritebackOp {
  const op: WritebackOp = {
    schemaVersion: 1,
    opId: record.opId,
    path: record.path,
    kind: record.kind,
    state: "pending",
    contentHash: payload.contentHash,
    baseRevision: record.baseRevision,
    attempts: 0,
    createdAt: record.createdAt,
    updatedAt: now.toISOString(),
    history: record.history,
  };
  if (record.contentType !== undefined) op.contentType = record.contentType;
  return op;
}

/** What became of an op after an attempt failed: it stays in the outbox in a new state, or it is settled. */
export type AfterFailure =
  | { outcome: "retry_wait"; op: WritebackOp }
  /** Re-read the token and send again at once (a 401 with a rotated token). */
  | { outcome: "resend"; op: WritebackOp }
  /** A 401 and no new token: the op waits (uncharged) until the credentials change; writeback pauses. */
  | { outcome: "await_credentials"; op: WritebackOp }
  | { outcome: "conflict"; op: WritebackOp }
  | { outcome: "dead_lettered"; op: WritebackOp; classification: Classification; nextAction: NextAction };

/**
 * The op's transition after a failed attempt, pure: one more attempt in its history, then the state the policy's
 * decision leads to. `tokenChanged` says whether re-reading the token source found a new one (for `reauth`).
 * `charged: false` (a failure while the server was down, or a probe) leaves the attempt budget as it was.
 */
export function afterFailure(
  op: WritebackOp,
  failure: Failure,
  decision: Decision,
  context: { now: number; tokenChanged?: boolean; charged?: boolean },
): AfterFailure {
  const at = new Date(context.now).toISOString();
  const attempted: WritebackOp = {
    ...op,
    attempts: op.attempts + (context.charged === false ? 0 : 1),
    updatedAt: at,
    history: appendAttempt(op.history, {
      at,
      status: failure.status,
      ...(failure.code ? { code: failure.code } : {}),
      error: failure.message,
    }),
  };
  delete attempted.notBefore;
  switch (decision.action) {
    case "retry":
      return {
        outcome: "retry_wait",
        op: { ...attempted, state: "retry_wait", notBefore: new Date(decision.notBefore).toISOString() },
      };
    case "conflict":
      return { outcome: "conflict", op: attempted };
    case "reauth":
      return context.tokenChanged
        ? { outcome: "resend", op: { ...attempted, state: "pending" } }
        : { outcome: "await_credentials", op: { ...attempted, attempts: op.attempts, state: "pending" } };
    case "dead_letter":
      return {
        outcome: "dead_lettered",
        op: attempted,
        classification: decision.classification,
        nextAction: decision.nextAction,
      };
  }
}
