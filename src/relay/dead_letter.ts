/**
 * `<mount>/.relay/dead-letter/`: the one owner of this folder. Writes this project's records and reads every
 * record found there — ours, the Go CLI transport's seed records (`{opId, path, attempts, lastStatus, lastBody,
 * ts}`), `ops list` mirrors (`{opId, path, code, message, createdAt, lastAttemptedAt, attempts, replayUrl}`) and
 * their `<opId>.error.json` sidecars (spec §3.5, §5.1).
 */
import { join } from "node:path";
import * as v from "valibot";
import { writeJsonAtomic } from "../lib/atomic_write.ts";
import { describeIssues } from "../lib/schema_issues.ts";
import { normalizeRemotePath } from "../protocol/paths.ts";
import { classifyFailure, nextActionFor } from "./classify.ts";
import { type DeadLetterEntry, describeFailure } from "./entries.ts";
import type { DeadLetterRecord } from "./records.ts";
import { PRIVATE } from "./private.ts";
import { isSafeOpId, relayPaths } from "./relay_dir.ts";
import {
  AttemptSchema,
  ClassificationSchema,
  CountSchema,
  IntegerSchema,
  NextActionSchema,
  NonEmptySchema,
  OpKindSchema,
  ProviderRefusalSchema,
  Sha256Schema,
} from "./_schemas.ts";
import { NOT_FOUND, type Problem, type RawRecord, readJsonRecord, readJsonRecords, stemOf } from "./_records.ts";

const SIDECAR_SUFFIX = ".error.json";

const OwnRecordSchema = v.object({
  opId: NonEmptySchema,
  path: NonEmptySchema,
  attempts: CountSchema,
  lastStatus: IntegerSchema,
  lastBody: v.string(),
  ts: v.string(),
  schemaVersion: v.literal(1),
  kind: OpKindSchema,
  baseRevision: v.nullable(v.string()),
  contentHash: v.nullable(Sha256Schema),
  contentType: v.optional(v.string()),
  classification: ClassificationSchema,
  nextAction: NextActionSchema,
  createdAt: v.string(),
  history: v.array(AttemptSchema),
  provider: v.optional(ProviderRefusalSchema),
});

/** The union of what the Go tools write; every field optional, a missing `opId` falls back to the file stem. */
const GoRecordSchema = v.looseObject({
  opId: v.optional(v.string()),
  path: v.optional(v.string()),
  code: v.optional(v.string()),
  message: v.optional(v.string()),
  createdAt: v.optional(v.string()),
  lastAttemptedAt: v.optional(v.string()),
  attempts: v.optional(IntegerSchema),
  lastStatus: v.optional(IntegerSchema),
  lastBody: v.optional(v.string()),
  ts: v.optional(v.string()),
  replayUrl: v.optional(v.string()),
});

const SidecarSchema = v.looseObject({
  code: v.optional(v.string()),
  message: v.optional(v.string()),
  providerStatus: v.optional(IntegerSchema),
  attempts: v.optional(IntegerSchema),
  firstAttemptAt: v.optional(v.string()),
  lastAttemptAt: v.optional(v.string()),
});

type GoRecord = v.InferOutput<typeof GoRecordSchema>;
type Sidecar = v.InferOutput<typeof SidecarSchema>;

export interface DeadLetters {
  entries: DeadLetterEntry[];
  problems: Problem[];
}

export function deadLetterFile(mountDir: string, opId: string): string {
  return join(relayPaths(mountDir).deadLetter, `${opId}.json`);
}

export async function writeDeadLetter(mountDir: string, record: DeadLetterRecord): Promise<void> {
  if (!isSafeOpId(record.opId)) throw new TypeError(`Cannot write dead-letter record: unsafe opId "${record.opId}"`);
  await writeJsonAtomic(deadLetterFile(mountDir, record.opId), v.parse(OwnRecordSchema, record), PRIVATE);
}

/** Every dead-letter record of the mount, sorted by opId; unreadable ones become problems. */
export async function readDeadLetters(mountDir: string): Promise<DeadLetters> {
  const dir = relayPaths(mountDir).deadLetter;
  const raw = await readJsonRecords(dir, () => true);
  const sidecars = new Map<string, RawRecord>();
  const payloads: RawRecord[] = [];
  for (const record of raw) {
    if (record.name.endsWith(SIDECAR_SUFFIX)) sidecars.set(record.name.slice(0, -SIDECAR_SUFFIX.length), record);
    else payloads.push(record);
  }
  const entries: DeadLetterEntry[] = [];
  const problems: Problem[] = [];
  for (const payload of payloads) {
    const stem = stemOf(payload.name);
    const result = toEntry(payload, sidecars.get(stem));
    if ("problem" in result) problems.push(result.problem);
    else entries.push(result.entry);
  }
  entries.sort((a, b) => a.opId < b.opId ? -1 : a.opId > b.opId ? 1 : 0);
  return { entries, problems };
}

/** Reads the record of one op, for `retry` and `discard`: `undefined` when absent, a problem when unreadable. */
export async function readDeadLetter(
  mountDir: string,
  opId: string,
): Promise<{ entry: DeadLetterEntry } | { problem: Problem } | undefined> {
  const payload = await readJsonRecord(deadLetterFile(mountDir, opId), `${opId}.json`);
  if (payload.error === NOT_FOUND) return undefined;
  const sidecarName = `${opId}${SIDECAR_SUFFIX}`;
  const sidecar = await readJsonRecord(join(relayPaths(mountDir).deadLetter, sidecarName), sidecarName);
  return toEntry(payload, sidecar.error === NOT_FOUND ? undefined : sidecar);
}

function toEntry(
  payload: RawRecord,
  sidecarRaw: RawRecord | undefined,
): { entry: DeadLetterEntry } | { problem: Problem } {
  const invalid = (message: string) => ({ problem: { file: payload.file, message } });
  if (payload.error !== undefined) return invalid(payload.error);
  const value = payload.value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) return invalid("not a JSON object");
  const stem = stemOf(payload.name);
  if ("schemaVersion" in value) {
    const parsed = v.safeParse(OwnRecordSchema, value);
    if (!parsed.success) return invalid(describeIssues(parsed.issues));
    if (parsed.output.opId !== stem) return invalid(`contains opId "${parsed.output.opId}", expected "${stem}"`);
    return { entry: ownEntry(parsed.output as DeadLetterRecord, payload.file) };
  }
  const parsed = v.safeParse(GoRecordSchema, value);
  if (!parsed.success) return invalid(describeIssues(parsed.issues));
  const opId = parsed.output.opId?.trim() || stem;
  if (opId !== stem) return invalid(`contains opId "${opId}", expected "${stem}"`);
  const sidecar = sidecarRaw?.value !== undefined ? v.safeParse(SidecarSchema, sidecarRaw.value) : undefined;
  const files = sidecarRaw ? [payload.file, sidecarRaw.file] : [payload.file];
  return { entry: goEntry(opId, parsed.output, sidecar?.success ? sidecar.output : undefined, files) };
}

function ownEntry(record: DeadLetterRecord, file: string): DeadLetterEntry {
  const last = record.history.at(-1);
  return {
    opId: record.opId,
    path: record.path,
    paths: [normalizeRemotePath(record.path)],
    attempts: record.attempts,
    lastStatus: record.lastStatus,
    ts: record.ts,
    reason: describeFailure({
      status: record.lastStatus,
      body: record.lastBody,
      ...(last?.error ? { message: last.error } : {}),
    }),
    classification: record.classification,
    nextAction: record.nextAction,
    source: "relayfile",
    files: [file],
    record,
  };
}

function goEntry(opId: string, record: GoRecord, sidecar: Sidecar | undefined, files: string[]): DeadLetterEntry {
  const lastStatus = record.lastStatus ?? sidecar?.providerStatus ?? 0;
  const code = sidecar?.code ?? record.code;
  // A Go record without status or code says nothing about the cause: a person has to look.
  const classification = lastStatus === 0 && code === undefined ? "unknown" : classifyFailure(lastStatus, code);
  const path = record.path ?? "";
  const ts = firstNonBlank(record.ts, record.lastAttemptedAt, sidecar?.lastAttemptAt, record.createdAt);
  const message = record.message ?? sidecar?.message;
  return {
    opId,
    path,
    paths: path.split(",").map((part) => part.trim()).filter(Boolean).map(normalizeRemotePath),
    attempts: record.attempts ?? sidecar?.attempts ?? 0,
    lastStatus,
    ...(ts ? { ts } : {}),
    reason: describeFailure({
      status: lastStatus,
      ...(message ? { message } : {}),
      ...(code ? { code } : {}),
      ...(record.lastBody ? { body: record.lastBody } : {}),
    }),
    classification,
    nextAction: nextActionFor(classification),
    source: "go-dead-letter",
    files,
  };
}

function firstNonBlank(...values: (string | undefined)[]): string | undefined {
  return values.find((value) => value !== undefined && value.trim() !== "");
}
