/**
 * Sends ops and reports what became of each, as data: it changes no state of its own. Creates and updates go in
 * one `fs/bulk` request per batch with a per-file `ifMatch` and `contentIdentity`; a batch that fails whole for a
 * reason that is not the server's (too large, invalid) is split, so one poisoned file cannot fail its batch-mates.
 * Deletes go one by one with `If-Match`.
 */
import type { RelayfileClient } from "../remote/client.ts";
import { HttpError, NetworkError } from "../remote/errors.ts";
import type { BulkFile } from "../protocol/wire.ts";
import { classifyFailure } from "../relay/classify.ts";
import { contentIdentityKey, type InlinePayload, type WritebackOp } from "./op.ts";
import type { Failure } from "./policy.ts";

/** The part of the client the queue sends through (a fake in unit tests). */
export type Transport = Pick<RelayfileClient, "bulkWrite" | "deleteFile">;

export type SendResult =
  /** On the server: `revision` is the new revision, null after a delete. */
  | { op: WritebackOp; outcome: "committed"; revision: string | null }
  | { op: WritebackOp; outcome: "failed"; failure: Failure; body: string }
  /** A delete of a path the server never had: nothing was sent, nothing is owed. */
  | { op: WritebackOp; outcome: "nothing-to-send" }
  /** The op's payload (inline or blob) is gone: it cannot be sent. */
  | { op: WritebackOp; outcome: "payload-missing" };

export interface SendContext {
  transport: Transport;
  payloadOf(op: WritebackOp): Promise<InlinePayload | undefined>;
  /** The revision the mount has for a path, asked at send time (not at enqueue time). */
  baseRevisionOf(path: string): string | null;
  /** Told of every request: whether the server answered, or failed transiently (for the circuit breaker). */
  serverAnswered(): void;
  serverFailed(failure: Failure): void;
}

/** One bulk batch, split on a whole-request failure that is not transient. */
export async function sendBatch(context: SendContext, batch: readonly WritebackOp[]): Promise<SendResult[]> {
  const results: SendResult[] = [];
  const files: BulkFile[] = [];
  const sendable: WritebackOp[] = [];
  for (const op of batch) {
    const payload = await context.payloadOf(op);
    if (!payload) {
      results.push({ op, outcome: "payload-missing" });
      continue;
    }
    files.push({
      path: op.path,
      contentType: op.contentType ?? "text/plain",
      content: payload.content,
      encoding: payload.encoding,
      ifMatch: context.baseRevisionOf(op.path) ?? "0",
      contentIdentity: { kind: "relayfile-deno-op", key: contentIdentityKey(op), ttlSeconds: 604_800 },
    });
    sendable.push(op);
  }
  if (sendable.length === 0) return results;
  try {
    const response = await context.transport.bulkWrite(files);
    context.serverAnswered();
    const written = new Map(response.results.map((result) => [result.path, result]));
    const refused = new Map(response.errors.map((error) => [error.path, error]));
    for (const op of sendable) {
      const result = written.get(op.path);
      const error = refused.get(op.path);
      if (result && !error) results.push({ op, outcome: "committed", revision: result.revision });
      else if (error) {
        const failure = {
          status: error.code === "conflict" ? 409 : 202,
          code: error.code,
          message: error.message || error.code,
        };
        results.push({ op, outcome: "failed", failure, body: JSON.stringify(error) });
      } else {
        const failure = { status: 502, message: "the server did not answer for this file" };
        results.push({ op, outcome: "failed", failure, body: "" });
      }
    }
  } catch (error) {
    const failure = failureOf(error);
    if (isTransient(failure)) context.serverFailed(failure);
    else context.serverAnswered();
    if (sendable.length > 1 && !isTransient(failure)) {
      const middle = Math.ceil(sendable.length / 2);
      results.push(...await sendBatch(context, sendable.slice(0, middle)));
      results.push(...await sendBatch(context, sendable.slice(middle)));
    } else {
      const body = error instanceof HttpError ? error.body : "";
      for (const op of sendable) results.push({ op, outcome: "failed", failure, body });
    }
  }
  return results;
}

/** One delete, with `If-Match` of the revision the mount has (or the op was made on); a 404 is as good as done. */
export async function sendDelete(context: SendContext, op: WritebackOp): Promise<SendResult> {
  const base = context.baseRevisionOf(op.path) ?? op.baseRevision;
  if (base === null) return { op, outcome: "nothing-to-send" };
  try {
    await context.transport.deleteFile(op.path, base);
    context.serverAnswered();
    return { op, outcome: "committed", revision: null };
  } catch (error) {
    const failure = failureOf(error);
    if (isTransient(failure)) context.serverFailed(failure);
    else context.serverAnswered();
    if (error instanceof HttpError && error.status === 404) return { op, outcome: "committed", revision: null };
    return { op, outcome: "failed", failure, body: error instanceof HttpError ? error.body : "" };
  }
}

/** What a thrown client error says, as the policy's input. */
export function failureOf(error: unknown): Failure {
  if (error instanceof HttpError) {
    return {
      status: error.status,
      ...(error.code ? { code: error.code } : {}),
      message: error.message,
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    };
  }
  if (error instanceof NetworkError) return { status: 0, message: error.message };
  return { status: 0, message: error instanceof Error ? error.message : String(error) };
}

export function isTransient(failure: Failure): boolean {
  return classifyFailure(failure.status, failure.code) === "transient";
}
