/**
 * Reads the Go mount's durable outbox (`outbox/pending|failed/<commandId>.json`, `attention/<commandId>.marker`;
 * spec §5.2, go-mount-formats.md) so that `writeback status` can gate a mount made by the Go tools.
 * Read-only: the Go mount owns these files.
 */
import { join } from "node:path";
import * as v from "valibot";
import { describeIssues } from "../lib/schema_issues.ts";
import { normalizeRemotePath } from "../protocol/paths.ts";
import { classifyFailure, nextActionFor } from "./classify.ts";
import { type DeadLetterEntry, describeFailure, type QueuedEntry } from "./entries.ts";
import { relayPaths } from "./relay_dir.ts";
import { listFiles, type Problem, type RawRecord, readJsonRecords, stemOf } from "./_records.ts";
import { IntegerSchema } from "./_schemas.ts";

const MARKER_SUFFIX = ".marker";

const GoOutboxRecordSchema = v.looseObject({
  commandId: v.optional(v.string()),
  remotePath: v.string(),
  status: v.optional(v.string()),
  firstSeenAt: v.optional(v.string()),
  lastAttemptAt: v.optional(v.string()),
  nextAttemptAt: v.optional(v.string()),
  attemptCount: v.optional(IntegerSchema),
  lastError: v.optional(v.string()),
  needsAttention: v.optional(v.boolean()),
  opId: v.optional(v.string()),
  dispatchStatus: v.optional(v.string()),
  exists: v.optional(v.boolean()),
});

type GoOutboxRecord = v.InferOutput<typeof GoOutboxRecordSchema>;

export interface GoOutbox {
  queued: QueuedEntry[];
  needsAttention: DeadLetterEntry[];
  problems: Problem[];
}

export async function readGoOutbox(mountDir: string): Promise<GoOutbox> {
  const dirs = relayPaths(mountDir).goOutbox;
  const [pending, failed, markerNames] = await Promise.all([
    readJsonRecords(dirs.pending, () => true),
    readJsonRecords(dirs.failed, () => true),
    listFiles(dirs.attention, (name) => name.endsWith(MARKER_SUFFIX)),
  ]);
  const markers = new Map(
    markerNames.map((name) => [name.slice(0, -MARKER_SUFFIX.length), join(dirs.attention, name)]),
  );
  const result: GoOutbox = { queued: [], needsAttention: [], problems: [] };

  const visit = (raw: RawRecord, folder: "pending" | "failed"): void => {
    const stem = stemOf(raw.name);
    const marker = markers.get(stem);
    markers.delete(stem);
    if (raw.error !== undefined) {
      result.problems.push({ file: raw.file, message: raw.error });
      return;
    }
    const parsed = v.safeParse(GoOutboxRecordSchema, raw.value);
    if (!parsed.success) {
      result.problems.push({ file: raw.file, message: describeIssues(parsed.issues) });
      return;
    }
    const record = parsed.output;
    const files = marker ? [raw.file, marker] : [raw.file];
    if (record.needsAttention || marker) result.needsAttention.push(attentionEntry(stem, record, files));
    else if (folder === "pending") result.queued.push(queuedEntry(stem, record, files));
    // A failed record without an attention marker was handled by the mount (conflict copy, denial): not actionable.
  };
  pending.forEach((raw) => visit(raw, "pending"));
  failed.forEach((raw) => visit(raw, "failed"));
  for (const marker of markers.values()) {
    result.problems.push({ file: marker, message: "attention marker without an outbox record" });
  }
  return result;
}

function queuedEntry(stem: string, record: GoOutboxRecord, files: string[]): QueuedEntry {
  const attempts = record.attemptCount ?? 0;
  // An op id means the server accepted the write and the mount is waiting for its receipt.
  const state = record.opId ? "in_flight" : attempts > 0 ? "retry_wait" : "pending";
  return {
    opId: record.commandId?.trim() || stem,
    path: normalizeRemotePath(record.remotePath),
    state,
    kind: record.exists ? "update" : "create",
    attempts,
    ...(record.firstSeenAt ? { createdAt: record.firstSeenAt } : {}),
    ...(record.lastAttemptAt ? { updatedAt: record.lastAttemptAt } : {}),
    ...(record.nextAttemptAt ? { notBefore: record.nextAttemptAt } : {}),
    ...(record.lastError ? { lastError: { status: statusIn(record.lastError), message: record.lastError } } : {}),
    source: "go-outbox",
    files,
  };
}

function attentionEntry(stem: string, record: GoOutboxRecord, files: string[]): DeadLetterEntry {
  const lastStatus = statusIn(record.lastError ?? "");
  // The Go record names no status when the server dead-lettered the op: a person has to look.
  const classification = lastStatus === 0 ? "unknown" : classifyFailure(lastStatus);
  const ts = record.lastAttemptAt || record.firstSeenAt;
  const reason = record.lastError?.trim()
    ? describeFailure({ status: lastStatus, message: record.lastError })
    : record.dispatchStatus
    ? `server reported ${record.dispatchStatus}`
    : "needs attention";
  return {
    opId: record.commandId?.trim() || stem,
    path: record.remotePath,
    paths: [normalizeRemotePath(record.remotePath)],
    attempts: record.attemptCount ?? 0,
    lastStatus,
    ...(ts ? { ts } : {}),
    reason,
    classification,
    nextAction: nextActionFor(classification),
    source: "go-outbox",
    files,
  };
}

/** The HTTP status named in a Go error text (`… status 413 …`, `HTTP 503`), or 0. */
function statusIn(text: string): number {
  const match = /\b(?:status(?: code)?|HTTP)[ :=]*([1-5]\d\d)\b/i.exec(text);
  return match ? Number(match[1]) : 0;
}
