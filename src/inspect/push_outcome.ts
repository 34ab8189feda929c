/**
 * Where one pushed file stands, pure: from the mount's records (outbox, dead letters, conflict copies, tracked
 * state), whichever process wrote them — this command, or the mount it handed the file to. A push is followed by
 * its content, not by an op id: the mount may have sent the same bytes under an op of its own.
 */
import type { ConflictCopy } from "../relay/conflicts.ts";
import type { DeadLetterEntry } from "../relay/entries.ts";
import type { WritebackOp } from "../relay/records.ts";

/** What was pushed: the bytes of a file (by hash), or the deletion of a path. */
export interface PushedChange {
  /** Normalised remote path. */
  path: string;
  /** SHA-256 of the bytes pushed; null for a delete. */
  hash: string | null;
}

export interface MountRecords {
  ops: readonly WritebackOp[];
  deadLetters: readonly DeadLetterEntry[];
  conflicts: readonly ConflictCopy[];
  /** The mount's tracked hash and revision per path (`mount-state.json`). */
  tracked: Readonly<Record<string, { revision: string; hash: string }>>;
  /** Contents the mount merged with the server's: merged-from hash → merged-into hash. */
  merges: Readonly<Record<string, string>>;
}

export type PushState =
  /** On the server, and the provider has it (or receipts are unavailable there). */
  | "delivered"
  /** On the server (accepted), the provider's receipt not in yet. */
  | "accepted"
  /** In the outbox, not yet on the server. */
  | "pending"
  /** The server or the provider refused it: a dead letter holds it. */
  | "refused"
  /** Someone else changed the path first: a conflict copy holds the local bytes. */
  | "conflict"
  /** No record of it yet (the mount has not looked at the file). */
  | "unseen";

export interface PushOutcome {
  state: PushState;
  /** Set when the pushed content met a newer revision and was merged with it: the outcome is the merge's. */
  merged?: boolean;
  /** Our op id, when an op record is there. */
  opId?: string;
  /** The server's op id, once it accepted the write. */
  serverOpId?: string;
  revision?: string;
  /** Why it was refused, or the last failure of a pending op. */
  error?: string;
}

/**
 * The state of `change` in `records`; `unseen` until some record speaks of it. Content that the mount merged with
 * a newer revision is followed into the merge.
 */
export function pushOutcome(change: PushedChange, records: MountRecords): PushOutcome {
  const own = outcomeOf(change, records);
  const into = change.hash === null ? undefined : records.merges[change.hash];
  if (own.state !== "unseen" || into === undefined || into === change.hash) return own;
  return { ...outcomeOf({ path: change.path, hash: into }, records), merged: true };
}

function outcomeOf(change: PushedChange, records: MountRecords): PushOutcome {
  const isOurs = (hash: string | null, kind: string | undefined) =>
    change.hash === null ? kind === "delete" : hash === change.hash;
  const dead = records.deadLetters.find((entry) =>
    entry.paths.includes(change.path) && entry.record !== undefined &&
    isOurs(entry.record.contentHash, entry.record.kind)
  );
  if (dead) {
    return {
      state: "refused",
      opId: dead.opId,
      error: dead.record?.provider?.error ?? dead.reason,
      ...(dead.record?.provider ? { serverOpId: dead.record.provider.serverOpId } : {}),
    };
  }
  if (records.conflicts.some((copy) => copy.remotePath === change.path)) return { state: "conflict" };
  const op = records.ops.find((candidate) =>
    candidate.path === change.path && isOurs(candidate.contentHash, candidate.kind)
  );
  if (op?.state === "accepted") {
    return {
      state: "accepted",
      opId: op.opId,
      ...(op.receipt ? { serverOpId: op.receipt.serverOpId } : {}),
      ...(op.receipt?.revision ? { revision: op.receipt.revision } : {}),
    };
  }
  if (op) {
    const last = op.history.at(-1);
    return { state: "pending", opId: op.opId, ...(last ? { error: last.error } : {}) };
  }
  const tracked = records.tracked[change.path];
  if (change.hash === null ? tracked === undefined : tracked?.hash === change.hash) {
    return { state: "delivered", ...(tracked ? { revision: tracked.revision } : {}) };
  }
  return { state: "unseen" };
}

/** Settled: nothing more will happen to it without a person (or a new change). */
export function isSettled(outcome: PushOutcome): boolean {
  return outcome.state === "delivered" || outcome.state === "refused" || outcome.state === "conflict";
}
