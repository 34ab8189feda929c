/**
 * The relayfile v1 HTTP client a mount uses. Bearer token from a provider (re-read on 401 by the caller), a fresh
 * `X-Correlation-Id` per attempt, a timeout per request, typed errors. Reads retry briefly on transient failures;
 * writes never retry here — the writeback queue owns their retries.
 */
import { type GenericSchema, safeParse } from "valibot";
import { backoffMs } from "../lib/backoff.ts";
import { fetchFailureReason, HttpError, NetworkError, parseRetryAfter, ProtocolError } from "./errors.ts";
import { bulkBodyStream, type OutgoingFile } from "../protocol/bulk_body.ts";
import { MalformedAnswerError, readFileAnswer } from "../protocol/file_answer.ts";
import { base64Length } from "../protocol/content.ts";
import { REAL_CLOCK, ServerGate } from "./server_gate.ts";
import {
  type BulkRead,
  BulkReadSchema,
  type BulkResponse,
  BulkResponseSchema,
  ErrorBodySchema,
  EventsPageSchema,
  ExportSchema,
  type MergeRequest,
  type MergeResponse,
  MergeResponseSchema,
  type Operation,
  OpsPageSchema,
  type RemoteEvent,
  type RemoteFile,
  type RemoteFileBytes,
  RemoteFileFieldsSchema,
  TreeSchema,
  type WriteQueued,
  WriteQueuedSchema,
} from "../protocol/wire.ts";

/** Entries asked for per `fs/tree` page (the most `relayfile serve` gives; servers without paging give all). */
const TREE_PAGE_LIMIT = 10_000;

export interface ClientOptions {
  baseUrl: string;
  workspace: string;
  token: () => string;
  /** Longest wait for one request (default 30 s). */
  timeoutMs?: number;
  /** Aborts every request in flight and refuses new ones (the mount is stopping). */
  signal?: AbortSignal;
  /** The largest answer read (default 512 MiB); a bigger one is refused, not buffered. */
  maxAnswerBytes?: number;
  /** Called with every correlation id this client sends (the mount recognises its own events by them). */
  onCorrelationId?: (id: string) => void;
  /** Where the server's "wait" (429, 503 with Retry-After) is kept; share one between a mount's clients. */
  gate?: ServerGate;
}

/** Reads retry a few times on a transient failure, with the project's backoff (writes: the queue's policy). */
const READ_RETRIES = 3;
const READ_BACKOFF = { baseMs: 200, capMs: 5_000 };
const BULK_READ_BATCH = 32;
/**
 * A `fs/bulk-read` answer declared larger than this is not read: its files are read one at a time instead. The pull's
 * own chunks stay under it (8 MiB of content); an event-driven batch holding a big file does not.
 */
const LARGE_BATCH_ANSWER_BYTES = 16 * 1024 * 1024;

export class RelayfileClient {
  readonly #options:
    & Required<Omit<ClientOptions, "onCorrelationId" | "signal">>
    & Pick<ClientOptions, "onCorrelationId" | "signal">;
  #bulkReadSupported = true;

  constructor(options: ClientOptions) {
    this.#options = {
      timeoutMs: 30_000,
      maxAnswerBytes: MAX_ANSWER_BYTES,
      gate: new ServerGate(),
      ...options,
      baseUrl: options.baseUrl.trim().replace(/\/+$/, ""),
    };
  }

  get workspace(): string {
    return this.#options.workspace;
  }

  /** `ws://…/fs/ws?token=…` (the token travels in the query, as the reference reads it). */
  webSocketUrl(cursor?: string): string {
    const url = new URL(`${this.#options.baseUrl}${this.#prefix()}/fs/ws`);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("token", this.#options.token());
    if (cursor) url.searchParams.set("cursor", cursor);
    return url.toString();
  }

  /** Every file under `root`; `undefined` when the server has no export (404, or 400 `bad_request`). */
  async exportFiles(root: string): Promise<RemoteFile[] | undefined> {
    try {
      return await this.#read("GET", `/fs/export?format=json&path=${encodeURIComponent(root)}`, ExportSchema);
    } catch (error) {
      if (
        error instanceof HttpError && (error.status === 404 || (error.status === 400 && error.code === "bad_request"))
      ) {
        return undefined;
      }
      throw error;
    }
  }

  /** Every file path under `root` through `fs/tree` (the fallback when export is missing). */
  async listFilePaths(root: string): Promise<string[]> {
    return (await this.listFiles(root)).map((file) => file.path);
  }

  /**
   * Every file under `root` through `fs/tree`, with its size when the server says it. Pages as large as a server
   * allows: a server may read its whole listing for each page (`relayfile serve` does), and 10,000 files in pages of
   * 1,000 took 0.7–0.9 s against it instead of 0.1 s.
   */
  async listFiles(root: string): Promise<{ path: string; size?: number }[]> {
    const files: { path: string; size?: number }[] = [];
    let cursor = "";
    for (let page = 0; page < 100_000; page++) {
      const query = `path=${encodeURIComponent(root)}&depth=100&limit=${TREE_PAGE_LIMIT}${
        cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""
      }`;
      const tree = await this.#read("GET", `/fs/tree?${query}`, TreeSchema);
      for (const entry of tree.entries) {
        if (entry.type === "file") {
          files.push({ path: entry.path, ...(entry.size !== undefined ? { size: entry.size } : {}) });
        }
      }
      if (!tree.nextCursor) return files;
      cursor = tree.nextCursor;
    }
    throw new ProtocolError("fs/tree paging did not end");
  }

  /**
   * One file, held once however large (`protocol/file_answer.ts`); `sizeHint` (the size a listing gave) sizes its
   * buffer when the answer does not say its length. `undefined` when it does not exist; `bytes` undefined when its
   * base64 does not decode.
   */
  async readFile(path: string, sizeHint = 0): Promise<RemoteFileBytes | undefined> {
    const what = `/fs/file?path=${encodeURIComponent(path)}`;
    try {
      return await this.#retrying(async () => {
        const response = await this.#respond("GET", what);
        let answer;
        try {
          // The answer's length bounds the content's text; else base64 of the listed size does, whichever
          // size a server lists (the bytes', or the stored text's).
          const declared = declaredLength(response);
          const capacity = declared > 0 ? declared : base64Length(sizeHint) + 1024;
          answer = await readFileAnswer(cappedBody(response, this.#options.maxAnswerBytes), capacity);
        } catch (error) {
          throw this.#answerError("GET", what, error);
        }
        const fields = safeParse(RemoteFileFieldsSchema, answer.fields);
        if (!fields.success) throw new ProtocolError("GET /fs/file: unexpected answer");
        return { ...fields.output, bytes: answer.bytes };
      });
    } catch (error) {
      if (error instanceof HttpError && error.status === 404) return undefined;
      throw error;
    }
  }

  /**
   * Many files: `fs/bulk-read` in batches when the server has it, else one read each. Missing files are left out.
   * A batch whose answer is large (a big file changed) is read again one file at a time, each held once; so are the
   * single reads.
   */
  async readFiles(paths: string[]): Promise<(RemoteFile | RemoteFileBytes)[]> {
    const files: (RemoteFile | RemoteFileBytes)[] = [];
    const oneByOne = async (batch: string[]) => {
      for (const path of batch) {
        const file = await this.readFile(path);
        if (file) files.push(file);
      }
    };
    for (let start = 0; start < paths.length; start += BULK_READ_BATCH) {
      const batch = paths.slice(start, start + BULK_READ_BATCH);
      if (!this.#bulkReadSupported) {
        await oneByOne(batch);
        continue;
      }
      let answer: BulkRead | undefined;
      try {
        answer = await this.#retrying(async () => {
          const response = await this.#respond("POST", "/fs/bulk-read", { paths: batch });
          if (declaredLength(response) > LARGE_BATCH_ANSWER_BYTES) {
            await response.body?.cancel();
            return undefined;
          }
          return await this.#parse("POST", "/fs/bulk-read", response, BulkReadSchema);
        });
      } catch (error) {
        if (!(error instanceof HttpError && (error.status === 404 || error.status === 501))) throw error;
        this.#bulkReadSupported = false;
      }
      if (answer === undefined) {
        await oneByOne(batch);
        continue;
      }
      for (const entry of answer.files) if (!("error" in entry)) files.push(entry);
    }
    return files;
  }

  /** One page of the change feed after `cursor`. */
  events(
    query: { cursor?: string; provider?: string; limit?: number; descending?: boolean },
  ): Promise<{ events: RemoteEvent[]; nextCursor: string | null }> {
    const params = new URLSearchParams({ limit: String(query.limit ?? 500) });
    if (query.cursor) params.set("cursor", query.cursor);
    if (query.provider) params.set("provider", query.provider);
    if (query.descending) params.set("direction", "desc");
    return this.#read("GET", `/fs/events?${params}`, EventsPageSchema).then((page) => ({
      events: page.events,
      nextCursor: page.nextCursor ?? null,
    }));
  }

  /** The id of the newest event (where an incremental pull starts after a full one), or `undefined`. */
  async latestEventId(): Promise<string | undefined> {
    const page = await this.events({ limit: 1, descending: true });
    return page.events[0]?.eventId;
  }

  /**
   * `POST fs/bulk`. Not retried here. A file whose content is raw bytes is encoded into the body as it is sent (a
   * large file is held once, not four times).
   */
  bulkWrite(files: OutgoingFile[]): Promise<BulkResponse> {
    const streamed = files.some((file) => typeof file.content !== "string");
    return this.#send("POST", "/fs/bulk", BulkResponseSchema, streamed ? bulkBodyStream(files) : { files });
  }

  /** `DELETE fs/file` with `If-Match`; the server's op for it, when it names one. Not retried here. */
  async deleteFile(path: string, ifMatch: string): Promise<WriteQueued> {
    return await this.#send("DELETE", `/fs/file?path=${encodeURIComponent(path)}`, WriteQueuedSchema, undefined, {
      "if-match": ifMatch,
    }).catch((error) => {
      if (error instanceof ProtocolError) return {}; // a 2xx without a body: deleted, no op named
      throw error;
    });
  }

  /** `POST fs/merge`: the server merges `content` with the live file against the base; 409 `merge_conflict` if not. */
  mergeFile(path: string, request: MergeRequest): Promise<MergeResponse> {
    return this.#send("POST", `/fs/merge?path=${encodeURIComponent(path)}`, MergeResponseSchema, request);
  }

  /** `POST ops/{opId}/replay`: the server sends a dead-lettered op to the provider again. */
  async replayOp(serverOpId: string): Promise<void> {
    await this.#send("POST", `/ops/${encodeURIComponent(serverOpId)}/replay`, undefined, {});
  }

  /** One page of the server's ops, newest first (`GET ops`): where the provider's receipts are read. */
  async listOps(
    query: { cursor?: string; limit?: number } = {},
  ): Promise<{ items: Operation[]; nextCursor: string | null }> {
    const params = new URLSearchParams({ limit: String(query.limit ?? 200) });
    if (query.cursor) params.set("cursor", query.cursor);
    const page = await this.#send("GET", `/ops?${params}`, OpsPageSchema);
    return { items: page.items, nextCursor: page.nextCursor ?? null };
  }

  /** The request's signal: its timeout, and the client's stop signal. */
  #signal(): AbortSignal {
    const timeout = AbortSignal.timeout(this.#options.timeoutMs);
    return this.#options.signal ? AbortSignal.any([timeout, this.#options.signal]) : timeout;
  }

  #networkError(what: string, error: unknown, reached = false): NetworkError {
    if (this.#options.signal?.aborted) return new NetworkError(`${what}: stopped`, { cause: error, stopped: true });
    if (error instanceof DOMException && error.name === "TimeoutError") {
      return new NetworkError(`${what}: no answer within ${this.#options.timeoutMs / 1000}s`, {
        cause: error,
        timedOut: true,
      });
    }
    const reason = fetchFailureReason(error);
    return new NetworkError(
      reached ? `${what} (${reason})` : `${what}: cannot reach ${this.#options.baseUrl} (${reason})`,
      {
        cause: error,
      },
    );
  }

  #prefix(): string {
    return `/v1/workspaces/${encodeURIComponent(this.#options.workspace)}`;
  }

  #read<T>(method: string, path: string, schema: GenericSchema<unknown, T>, body?: unknown): Promise<T> {
    return this.#retrying(() => this.#send(method, path, schema, body));
  }

  /** `attempt`, again on a transient failure (a few times, with backoff or the server's Retry-After). */
  async #retrying<T>(attempt: () => Promise<T>): Promise<T> {
    for (let tried = 0;; tried++) {
      try {
        return await attempt();
      } catch (error) {
        // A request that already waited its whole timeout, or was stopped, is not tried again here.
        const transient = (error instanceof NetworkError && !error.timedOut && !error.stopped) ||
          (error instanceof HttpError && (error.status === 429 || error.status >= 500));
        if (!transient || tried >= READ_RETRIES) throw error;
        // A server that said how long to wait closed the gate for that long: the next attempt waits there.
        if (this.#options.gate.isHolding) continue;
        // The wait ends when the client is stopped: a mount that stops leaves no retry timer behind.
        await REAL_CLOCK.sleep(backoffMs(READ_BACKOFF, tried + 1, Math.random()), this.#options.signal)
          .catch(() => {
            throw new NetworkError(`${error.message} (stopped while waiting to retry)`, {
              cause: error,
              stopped: true,
            });
          });
      }
    }
  }

  async #send<T>(
    method: string,
    path: string,
    schema: GenericSchema<unknown, T> | undefined,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const response = await this.#respond(method, path, body, headers);
    if (!schema) {
      await response.body?.cancel();
      return undefined as T;
    }
    return await this.#parse(method, path, response, schema);
  }

  /** A success's body, checked against `schema`. */
  async #parse<T>(method: string, path: string, response: Response, schema: GenericSchema<unknown, T>): Promise<T> {
    const parsed = safeJson(await this.#text(method, path, response), schema);
    if (parsed === undefined) throw new ProtocolError(`${method} ${path.split("?")[0]}: unexpected answer`);
    return parsed;
  }

  /** The server's answer when it is a success; a typed error otherwise (its body read for the reason). */
  async #respond(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    try {
      await this.#options.gate.pass(this.#options.signal);
    } catch (error) {
      throw this.#networkError(`${method} ${path.split("?")[0]}`, error);
    }
    const correlationId = `mount_${Date.now()}_${crypto.randomUUID().slice(0, 8)}`;
    this.#options.onCorrelationId?.(correlationId);
    let response: Response;
    try {
      response = await fetch(`${this.#options.baseUrl}${this.#prefix()}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.#options.token()}`,
          "x-correlation-id": correlationId,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
          ...headers,
        },
        ...(body === undefined ? {} : { body: body instanceof ReadableStream ? body : JSON.stringify(body) }),
        signal: this.#signal(),
      });
    } catch (error) {
      throw this.#networkError(`${method} ${path.split("?")[0]}`, error);
    }
    if (response.ok) return response;
    const text = await this.#text(method, path, response);
    const parsed = safeJson(text, ErrorBodySchema);
    const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), Date.now());
    this.#options.gate.answered(response.status, retryAfterMs);
    throw new HttpError(response.status, {
      code: parsed?.code ?? "",
      message: parsed?.message ?? `server answered ${response.status}`,
      retryAfterMs,
      body: text.slice(0, 1024),
      opId: response.headers.get("x-relayfile-op-id") ?? undefined,
    });
  }

  /** The answer's body as text, within the size cap; a cut or oversized answer as a typed error. */
  async #text(method: string, path: string, response: Response): Promise<string> {
    try {
      return await readCapped(response, this.#options.maxAnswerBytes);
    } catch (error) {
      throw this.#answerError(method, path, error);
    }
  }

  #answerError(method: string, path: string, error: unknown): Error {
    const what = `${method} ${path.split("?")[0]}`;
    if (error instanceof ProtocolError || error instanceof MalformedAnswerError) {
      return new ProtocolError(`${what}: ${error.message}`);
    }
    return this.#networkError(`${what}: the answer was cut off`, error, true);
  }
}

/** The largest answer read (a bigger one is refused, not buffered): far above any page or chunk the mount asks for. */
const MAX_ANSWER_BYTES = 512 * 1024 * 1024;

/** The length the answer declares (`Content-Length`); NaN or 0 when it says none. */
function declaredLength(response: Response): number {
  return Number(response.headers.get("content-length") ?? "");
}

/** The body as text, refusing one over `cap` bytes (by its declared length, or while it streams in). */
async function readCapped(response: Response, cap: number): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of cappedBody(response, cap)) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

/** The body as a stream that fails with a `ProtocolError` past `cap` bytes (or at once when it declares more). */
function cappedBody(response: Response, cap: number): ReadableStream<Uint8Array> {
  const refuse = (size: string) =>
    new ProtocolError(`the answer is ${size} bytes, over the ${cap} bytes this client reads; it was refused`);
  const declared = declaredLength(response);
  if (declared > cap) {
    response.body?.cancel();
    return new ReadableStream({ start: (controller) => controller.error(refuse(String(declared))) });
  }
  if (!response.body) return new ReadableStream({ start: (controller) => controller.close() });
  let bytes = 0;
  return response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bytes += chunk.length;
        if (bytes > cap) controller.error(refuse(`over ${cap}`));
        else controller.enqueue(chunk);
      },
    }),
  );
}

function safeJson<T>(text: string, schema: GenericSchema<unknown, T>): T | undefined {
  try {
    const result = safeParse(schema, JSON.parse(text));
    return result.success ? result.output : undefined;
  } catch {
    return undefined;
  }
}
