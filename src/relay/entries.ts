/**
 * What the writeback commands see of a mount, whichever implementation wrote it: ops still on their way
 * (`QueuedEntry`) and ops that need a person (`DeadLetterEntry`). Each format reader produces these.
 */
import type { Classification, NextAction } from "./classify.ts";
import type { DeadLetterRecord, LiveState, OpKind } from "./records.ts";

/** Who wrote the record: this project, the Go CLI's dead-letter transport / `ops list`, or the Go mount's outbox. */
export type RecordSource = "relayfile" | "go-dead-letter" | "go-outbox";

export interface LastError {
  status: number;
  message: string;
  at?: string;
}

export interface QueuedEntry {
  opId: string;
  path: string;
  state: LiveState;
  kind?: OpKind;
  attempts: number;
  createdAt?: string;
  updatedAt?: string;
  notBefore?: string;
  lastError?: LastError;
  /** An `accepted` op: the server's op whose provider receipt is awaited, and since when. */
  receipt?: { serverOpId: string; acceptedAt: string };
  source: RecordSource;
  /** The files that hold this op. */
  files: string[];
}

export interface DeadLetterEntry {
  opId: string;
  /** The path as recorded (the Go transport joins a bulk batch's paths with `,`). */
  path: string;
  /** The recorded path split and normalised. */
  paths: string[];
  attempts: number;
  /** 0 when unknown. */
  lastStatus: number;
  ts?: string;
  reason: string;
  classification: Classification;
  nextAction: NextAction;
  source: RecordSource;
  /** The files that hold this op (a Go record may have an `.error.json` sidecar or an attention marker). */
  files: string[];
  /** The full record, for those this project wrote. */
  record?: DeadLetterRecord;
}

/** A short reason from what a failure left: a message, a JSON error body, a text body, or the status. */
export function describeFailure(failure: { message?: string; code?: string; body?: string; status: number }): string {
  if (failure.message?.trim()) return oneLine(failure.code ? `${failure.code}: ${failure.message}` : failure.message);
  const body = failure.body?.trim() ?? "";
  if (body.startsWith("{")) {
    try {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      const message = typeof parsed.message === "string" ? parsed.message : "";
      const code = typeof parsed.code === "string" ? parsed.code : "";
      if (message || code) return oneLine([code, message].filter(Boolean).join(": "));
    } catch {
      // Not JSON after all (possibly cut at 1 KiB): use the text.
    }
  }
  if (body) return oneLine(body);
  if (failure.code) return failure.code;
  return failure.status === 0 ? "no answer from the server" : `HTTP ${failure.status}`;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
