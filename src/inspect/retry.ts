/** `writeback retry`: a dead-lettered op goes back to the outbox with a fresh attempt budget. */
import { PreconditionError } from "../lib/errors.ts";
import { blobFile, hasBlob, putBlob, sha256Hex } from "../relay/blobs.ts";
import { base64Length } from "../protocol/content.ts";
import { removeDeadLetterFiles } from "../relay/discard.ts";
import type { DeadLetterEntry } from "../relay/entries.ts";
import { readLocalFile } from "./local_file.ts";
import { type DeadLetterRecord, requeue, type WritebackOp } from "../writeback/op.ts";
import { writeOp } from "../relay/outbox.ts";
import type { FileStatus } from "../relay/state_file.ts";

export type RetryPayloadSource = "stored" | "current";

export interface RetryContext {
  mountDir: string;
  remoteRoot: string;
  now: Date;
  /** `stored`: the payload the op failed with; `current`: the local file as it is now. */
  from: RetryPayloadSource;
  dryRun: boolean;
  /** Tracked revisions (from `state.json`), for records that did not keep their base revision. */
  files: Record<string, FileStatus>;
  /** The server already replayed the provider's op (`ops/{id}/replay`): the op only awaits its receipt again. */
  replayedOnServer?: boolean;
}

export interface RetryOutcome {
  opId: string;
  /** The ops written to the outbox (or that would be, on a dry run). */
  ops: WritebackOp[];
  /** What the user should know: a payload that changed, a record without payload… */
  notes: string[];
}

export async function retryDeadLetter(entry: DeadLetterEntry, context: RetryContext): Promise<RetryOutcome> {
  const outcome = entry.record
    ? await requeueOwn(entry.record, context)
    : entry.source === "go-dead-letter"
    ? await requeueGoRecord(entry, context)
    : cannotRetryGoOutbox(entry);
  if (!context.dryRun) {
    for (const op of outcome.ops) await writeOp(context.mountDir, op);
    await removeDeadLetterFiles(entry);
  }
  return outcome;
}

async function requeueOwn(record: DeadLetterRecord, context: RetryContext): Promise<RetryOutcome> {
  if (context.from === "stored") {
    if (record.contentHash !== null && !(await hasBlob(context.mountDir, record.contentHash))) {
      throw new PreconditionError(
        `the payload of op ${record.opId} is missing from .relay/blobs (${record.contentHash})`,
        {
          hint: `retry with --from current to send the local file instead`,
        },
      );
    }
    const op = requeue(record, context.now);
    // Dead-lettered payloads live in blobs/: the batch that sends this one is sized by the blob (as base64, at most).
    if (record.contentHash !== null) {
      op.payloadBytes = base64Length((await Deno.stat(blobFile(context.mountDir, record.contentHash))).size);
    }
    if (context.replayedOnServer && record.provider) {
      const receipt = { serverOpId: record.provider.serverOpId, acceptedAt: context.now.toISOString(), revision: null };
      return { opId: record.opId, ops: [{ ...op, state: "accepted", receipt }], notes: [] };
    }
    return { opId: record.opId, ops: [op], notes: [] };
  }
  const current = await currentOp(record.opId, record.path, record.baseRevision, record.createdAt, context);
  const notes = current.contentHash === record.contentHash ? [] : [
    `op ${record.opId}: the current local content of ${record.path} differs from the payload that failed; sending the current content`,
  ];
  if (!current.op) {
    notes.push(`op ${record.opId}: ${record.path} was never on the server and is gone locally; nothing to send`);
  }
  return { opId: record.opId, ops: current.op ? [{ ...current.op, history: record.history }] : [], notes };
}

/** Records of the Go tools keep no payload: each of their paths is re-sent from the current local file. */
async function requeueGoRecord(entry: DeadLetterEntry, context: RetryContext): Promise<RetryOutcome> {
  if (entry.paths.length === 0) {
    throw new PreconditionError(`dead-letter record ${entry.opId} has no retryable path`);
  }
  const ops: WritebackOp[] = [];
  for (const [index, path] of entry.paths.entries()) {
    const opId = entry.paths.length === 1 ? entry.opId : `${entry.opId}-${index + 1}`;
    const revision = context.files[path]?.revision ?? null;
    const { op } = await currentOp(opId, path, revision, context.now.toISOString(), context);
    if (!op) throw new PreconditionError(`local file for retry path ${path} does not exist`);
    ops.push(op);
  }
  return {
    opId: entry.opId,
    ops,
    notes: [`op ${entry.opId} was recorded by the Go tools without its payload; sending the current local file`],
  };
}

function cannotRetryGoOutbox(entry: DeadLetterEntry): never {
  throw new PreconditionError(`op ${entry.opId} is in the Go mount's outbox, which this tool does not drive`, {
    hint: `run the Go mount to resend it, or remove it with relayfile writeback discard --opId ${entry.opId}`,
  });
}

/** An op carrying the local file as it is now: an upload when it exists, a delete when it was on the server. */
async function currentOp(
  opId: string,
  path: string,
  baseRevision: string | null,
  createdAt: string,
  context: RetryContext,
): Promise<{ op?: WritebackOp; contentHash: string | null }> {
  const local = await readLocalFile(context.mountDir, context.remoteRoot, path);
  if (!local.exists && baseRevision === null) return { contentHash: null };
  const contentHash = local.exists
    ? await (context.dryRun ? sha256Hex(local.bytes) : putBlob(context.mountDir, local.bytes))
    : null;
  const op: WritebackOp = {
    schemaVersion: 1,
    opId,
    path,
    kind: !local.exists ? "delete" : baseRevision === null ? "create" : "update",
    state: "pending",
    contentHash,
    baseRevision,
    attempts: 0,
    createdAt,
    updatedAt: context.now.toISOString(),
    history: [],
  };
  if (local.exists) op.payloadBytes = base64Length(local.bytes.length);
  return { op, contentHash };
}
