/**
 * Sends ops and reports what became of each, as data: it changes no state of its own. Creates and updates go in
 * one `fs/bulk` request per batch with a per-file `ifMatch` and `contentIdentity`; deletes one by one with
 * `If-Match`.
 *
 * A batch that fails whole is split, so one poisoned file cannot fail its batch-mates: always when the server
 * refused it (too large, invalid), and on a transient failure when the server was serving just before (then a
 * half that goes through is the evidence that the other half holds the culprit). When both halves fail too, the
 * server is down rather than the content bad: splitting stops. A failure is charged to an op's attempt budget only
 * when the op was sent alone and the server was serving: an outage charges nobody.
 */
import type { RelayfileClient } from "../remote/client.ts";
import { HttpError, NetworkError } from "../remote/errors.ts";
import { type OutgoingFile, wireContentLength } from "../protocol/bulk_body.ts";
import { classifyFailure } from "../relay/classify.ts";
import { wireEncodingOf } from "../protocol/content.ts";
import { readBlob } from "../relay/blobs.ts";
import { contentIdentityKey, transition, type WritebackOp } from "./op.ts";
import { type BatchLimits, planSends } from "./scheduler.ts";
import type { ServerReceipt } from "./outcomes.ts";
import type { Failure } from "./policy.ts";

/** The part of the client the queue sends through (a fake in unit tests). */
export type Transport = Pick<RelayfileClient, "bulkWrite" | "deleteFile" | "listOps">;

export type SendResult =
  /** On the server: `revision` is the new revision, null after a delete; `receipt`, the server's op for it. */
  | { op: WritebackOp; outcome: "committed"; revision: string | null; receipt?: ServerReceipt }
  /** `charged`: the failure counts against the op's attempt budget (not when the server looked down). */
  | { op: WritebackOp; outcome: "failed"; failure: Failure; body: string; charged: boolean }
  /** A delete of a path the server never had: nothing was sent, nothing is owed. */
  | { op: WritebackOp; outcome: "nothing-to-send" }
  /** The op's payload (inline or blob) is gone: it cannot be sent. */
  | { op: WritebackOp; outcome: "payload-missing" }
  /** The request was stopped on purpose (the mount is shutting down): as if never sent. */
  | { op: WritebackOp; outcome: "stopped" };

export interface SendContext {
  transport: Transport;
  payloadOf(op: WritebackOp): Promise<OutgoingPayload | undefined>;
  /** The revision the mount has for a path, asked at send time (not at enqueue time). */
  baseRevisionOf(path: string): string | null;
  /** Told of every request: the server answered (whatever it said). */
  serverAnswered(): void;
  /** Told of every transient failure; true when the server was serving until this one (no failure streak). */
  serverFailed(failure: Failure): boolean;
}

interface Entry {
  op: WritebackOp;
  file: OutgoingFile;
}

/** One bulk batch, split as the module doc says. */
export async function sendBatch(context: SendContext, batch: readonly WritebackOp[]): Promise<SendResult[]> {
  const results: SendResult[] = [];
  const entries: Entry[] = [];
  for (const op of batch) {
    const payload = await context.payloadOf(op);
    if (!payload) {
      results.push({ op, outcome: "payload-missing" });
      continue;
    }
    entries.push({
      op,
      file: {
        path: op.path,
        contentType: op.contentType ?? "text/plain",
        content: payload.content,
        encoding: payload.encoding,
        ifMatch: context.baseRevisionOf(op.path) ?? "0",
        contentIdentity: { kind: "relayfile-deno-op", key: contentIdentityKey(op), ttlSeconds: 604_800 },
      },
    });
  }
  if (entries.length > 0) results.push(...(await attempt(context, entries, false)).results);
  return results;
}

/**
 * One request for `entries`, split on a whole failure as the module doc says. `evidence`: a sibling batch went
 * through, so the server is serving. `served` in the answer: this request (or a part of it) went through.
 */
async function attempt(
  context: SendContext,
  entries: readonly Entry[],
  evidence: boolean,
): Promise<{ results: SendResult[]; served: boolean }> {
  let response;
  try {
    response = await context.transport.bulkWrite(entries.map((entry) => entry.file));
  } catch (error) {
    if (error instanceof NetworkError && error.stopped) {
      return { results: entries.map(({ op }) => ({ op, outcome: "stopped" })), served: false };
    }
    const failure = failureOf(error);
    const body = error instanceof HttpError ? error.body : "";
    const transient = isTransient(failure);
    const servingBefore = transient ? context.serverFailed(failure) : (context.serverAnswered(), true);
    const serving = !transient || evidence || servingBefore;
    if (entries.length === 1 || !serving) {
      const charged = entries.length === 1 && serving;
      const tooLarge = entries.length === 1 && failure.status === 413;
      const explained = tooLarge ? { ...failure, message: tooLargeMessage(entries[0]!.file, body) } : failure;
      const said = tooLarge ? JSON.stringify({ code: "payload_too_large", message: explained.message }) : body;
      const results = entries.map(({ op }): SendResult => ({
        op,
        outcome: "failed",
        failure: explained,
        body: said,
        charged,
      }));
      return { results, served: false };
    }
    const middle = Math.ceil(entries.length / 2);
    const halves = [entries.slice(0, middle), entries.slice(middle)];
    if (!transient) {
      const parts = [await attempt(context, halves[0]!, true), await attempt(context, halves[1]!, true)];
      return { results: parts.flatMap((part) => part.results), served: true };
    }
    // Each half once; a half that failed is split further only when its sibling went through.
    const first = await attempt(context, halves[0]!, false);
    const second = await attempt(context, halves[1]!, first.served);
    if (first.served || !second.served) {
      return { results: [...first.results, ...second.results], served: first.served || second.served };
    }
    // The second half went through, so the server serves: the first half holds the culprit.
    const again = halves[0]!.length > 1
      ? (await attempt(context, halves[0]!, true)).results
      : first.results.map((result) => result.outcome === "failed" ? { ...result, charged: true } : result);
    return { results: [...again, ...second.results], served: true };
  }
  context.serverAnswered();
  const written = new Map(response.results.map((result) => [result.path, result]));
  const refused = new Map(response.errors.map((error) => [error.path, error]));
  const results: SendResult[] = entries.map(({ op }) => {
    const result = written.get(op.path);
    const error = refused.get(op.path);
    if (result && !error) {
      return { op, outcome: "committed", revision: result.revision, ...receiptOf(result.opId, result.writeback) };
    }
    if (error) {
      const failure = {
        status: error.code === "conflict" ? 409 : 202,
        code: error.code,
        message: error.message || error.code,
      };
      return { op, outcome: "failed", failure, body: JSON.stringify(error), charged: true };
    }
    const failure = { status: 502, message: "the server did not answer for this file" };
    return { op, outcome: "failed", failure, body: "", charged: true };
  });
  return { results, served: true };
}

/** One delete, with `If-Match` of the revision the mount has (or the op was made on); a 404 is as good as done. */
export async function sendDelete(context: SendContext, op: WritebackOp): Promise<SendResult> {
  const base = context.baseRevisionOf(op.path) ?? op.baseRevision;
  if (base === null) return { op, outcome: "nothing-to-send" };
  try {
    const queued = await context.transport.deleteFile(op.path, base);
    context.serverAnswered();
    return { op, outcome: "committed", revision: null, ...receiptOf(queued.opId, queued.writeback) };
  } catch (error) {
    if (error instanceof NetworkError && error.stopped) return { op, outcome: "stopped" };
    const failure = failureOf(error);
    const transient = isTransient(failure);
    const charged = transient ? context.serverFailed(failure) : (context.serverAnswered(), true);
    if (error instanceof HttpError && error.status === 404) return { op, outcome: "committed", revision: null };
    return { op, outcome: "failed", failure, body: error instanceof HttpError ? error.body : "", charged };
  }
}

/** What a 413 for one file means and what to change: the server's limit (when it says), the file's size. */
function tooLargeMessage(file: OutgoingFile, body: string): string {
  let limit: number | undefined;
  try {
    const parsed = JSON.parse(body) as { maxBodyBytes?: unknown };
    if (typeof parsed.maxBodyBytes === "number") limit = parsed.maxBodyBytes;
  } catch {
    // not JSON: the limit is unknown
  }
  const size = wireContentLength(file);
  return `the server refuses requests over ${limit !== undefined ? `${limit} bytes` : "its body limit"}, and ` +
    `${file.path} is ${size} bytes as sent: raise the server's limit (relayfile serve --max-body-bytes) or make ` +
    "the file smaller, then relayfile writeback retry";
}

/** The server's op for a write it accepted, when it names one. */
function receiptOf(
  serverOpId: string | undefined,
  writeback: { state?: string | undefined } | undefined,
): { receipt?: ServerReceipt } {
  if (!serverOpId) return {};
  return { receipt: { serverOpId, ...(writeback?.state ? { state: writeback.state } : {}) } };
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

/** What an op carries: wire text when inline; raw bytes with their wire encoding from blobs/. */
export interface OutgoingPayload {
  content: string | Uint8Array;
  encoding: "" | "base64";
}

/** The bytes an op carries: inline, or from blobs/; `undefined` when they are gone. */
export async function payloadOf(mountDir: string, op: WritebackOp): Promise<OutgoingPayload | undefined> {
  if (op.payload) return op.payload;
  if (op.contentHash === null) return undefined;
  const bytes = await readBlob(mountDir, op.contentHash).catch(() => undefined);
  // Raw bytes, encoded while the request is sent: a large file is held once.
  return bytes
    ? { content: bytes, encoding: wireEncodingOf(bytes, op.contentType ?? "application/octet-stream") }
    : undefined;
}

/**
 * The requests to start now: up to `batchSlots` bulk batches and the due deletes (sent one by one), each op
 * marked in flight in `table` as its request is planned; `take` gets what each request came to.
 */
export function planRequests(
  table: { put(op: WritebackOp): void },
  due: readonly WritebackOp[],
  batchSlots: number,
  options: { limits: BatchLimits; context: SendContext; take: (results: SendResult[]) => Promise<void> },
): { kind: "batch" | "deletes"; send: () => Promise<void> }[] {
  const plan = planSends(due, options.limits);
  const start = (ops: WritebackOp[], send: (sent: WritebackOp[]) => Promise<SendResult[]>) => {
    const sent = ops.map((op) => transition(op, { type: "sent" }));
    for (const op of sent) table.put(op);
    return () => send(sent).then(options.take);
  };
  const requests: { kind: "batch" | "deletes"; send: () => Promise<void> }[] = plan.batches
    .slice(0, Math.max(0, batchSlots))
    .map((batch) => ({ kind: "batch", send: start(batch, (sent) => sendBatch(options.context, sent)) }));
  if (plan.deletes.length > 0) {
    requests.push({
      kind: "deletes",
      send: start(plan.deletes, async (deletes) => {
        const results: SendResult[] = [];
        for (const op of deletes) results.push(await sendDelete(options.context, op));
        return results;
      }),
    });
  }
  return requests;
}
