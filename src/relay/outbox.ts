/**
 * `<mount>/.relay/outbox/<opId>.json`: this project's unsettled ops. The one owner of that format. (The Go mount's
 * outbox shares the folder through its `pending/ failed/ acked/ attention/` subfolders: see `go_outbox.ts`.)
 */
import { join } from "node:path";
import * as v from "valibot";
import { writeFilesAtomic } from "../lib/atomic_write.ts";
import { describeIssues } from "../lib/schema_issues.ts";
import type { QueuedEntry } from "./entries.ts";
import type { WritebackOp } from "./records.ts";
import { PRIVATE } from "./private.ts";
import { isSafeOpId, relayPaths } from "./relay_dir.ts";
import { AttemptSchema, CountSchema, NonEmptySchema, OpKindSchema, ReceiptSchema, Sha256Schema } from "./_schemas.ts";
import { type Problem, readJsonRecords, stemOf } from "./_records.ts";

/** Written by the Go mount into the same folder; not an op. */
const GO_CAPABILITIES_FILE = "capabilities.json";

export const WritebackOpSchema = v.object({
  schemaVersion: v.literal(1),
  opId: NonEmptySchema,
  path: NonEmptySchema,
  kind: OpKindSchema,
  state: v.picklist(["pending", "in_flight", "retry_wait", "accepted"]),
  contentHash: v.nullable(Sha256Schema),
  contentType: v.optional(v.string()),
  baseRevision: v.nullable(v.string()),
  attempts: CountSchema,
  createdAt: v.string(),
  updatedAt: v.string(),
  notBefore: v.optional(v.string()),
  payload: v.optional(v.object({ content: v.string(), encoding: v.picklist(["", "base64"]) })),
  payloadBytes: v.optional(CountSchema),
  history: v.array(AttemptSchema),
  receipt: v.optional(ReceiptSchema),
});

export interface Outbox {
  ops: WritebackOp[];
  problems: Problem[];
}

export function outboxFile(mountDir: string, opId: string): string {
  return join(relayPaths(mountDir).outbox, `${opId}.json`);
}

/** Persists an op (atomically, fsynced) — before any request for it is sent. */
export function writeOp(mountDir: string, op: WritebackOp): Promise<void> {
  return writeOps(mountDir, [op]);
}

/** Persists ops together (each file atomic and fsynced; the folder synced once). */
export async function writeOps(mountDir: string, ops: readonly WritebackOp[]): Promise<void> {
  for (const op of ops) {
    if (!isSafeOpId(op.opId)) throw new TypeError(`Cannot write outbox op: unsafe opId "${op.opId}"`);
  }
  await writeFilesAtomic(
    ops.map((op) => ({
      path: outboxFile(mountDir, op.opId),
      data: JSON.stringify(v.parse(WritebackOpSchema, op)) + "\n",
    })),
    PRIVATE,
  );
}

export async function removeOp(mountDir: string, opId: string): Promise<void> {
  await Deno.remove(outboxFile(mountDir, opId)).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}

/** The ops in the outbox; with `wanted`, only those whose opId (the file's stem) it accepts are read at all. */
export async function readOutbox(mountDir: string, wanted: (opId: string) => boolean = () => true): Promise<Outbox> {
  const raw = await readJsonRecords(
    relayPaths(mountDir).outbox,
    (name) => name !== GO_CAPABILITIES_FILE && wanted(stemOf(name)),
  );
  const ops: WritebackOp[] = [];
  const problems: Problem[] = [];
  for (const record of raw) {
    if (record.error !== undefined) {
      problems.push({ file: record.file, message: record.error });
      continue;
    }
    const parsed = v.safeParse(WritebackOpSchema, record.value);
    if (!parsed.success) problems.push({ file: record.file, message: describeIssues(parsed.issues) });
    else if (parsed.output.opId !== stemOf(record.name)) {
      problems.push({
        file: record.file,
        message: `contains opId "${parsed.output.opId}", expected "${stemOf(record.name)}"`,
      });
    } else ops.push(parsed.output as WritebackOp);
  }
  return { ops, problems };
}

export function queuedEntry(op: WritebackOp, mountDir: string): QueuedEntry {
  const last = op.history.at(-1);
  return {
    opId: op.opId,
    path: op.path,
    state: op.state,
    kind: op.kind,
    attempts: op.attempts,
    createdAt: op.createdAt,
    updatedAt: op.updatedAt,
    ...(op.notBefore ? { notBefore: op.notBefore } : {}),
    ...(last ? { lastError: { status: last.status, message: last.error, at: last.at } } : {}),
    ...(op.receipt ? { receipt: { serverOpId: op.receipt.serverOpId, acceptedAt: op.receipt.acceptedAt } } : {}),
    source: "relayfile",
    files: [outboxFile(mountDir, op.opId)],
  };
}
