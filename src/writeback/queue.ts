/**
 * The writeback queue: every local change is an op persisted in the outbox before anything is sent; creates and
 * updates go out in `fs/bulk` batches under the body limit, deletes one by one with `If-Match`; each per-file outcome
 * is decided by the pure policy. One op per path at a time; a newer change to a path supersedes its unsent op.
 */
import { HttpError, NetworkError } from "../remote/errors.ts";
import type { RelayfileClient } from "../remote/client.ts";
import { fromWire, toWire } from "../protocol/content.ts";
import type { BulkFile } from "../protocol/wire.ts";
import { putBlob, readBlob } from "../relay/blobs.ts";
import { type Classification, classifyFailure, type NextAction, nextActionFor } from "../relay/classify.ts";
import { type CircuitState, CLOSED, isOpen, recordFailure, recordSuccess } from "./circuit.ts";
import { deadLetterFile, readDeadLetters, writeDeadLetter } from "../relay/dead_letter.ts";
import { removeDeadLetterFiles } from "../relay/discard.ts";
import {
  afterFailure,
  contentIdentityKey,
  deadLetterOf,
  INLINE_PAYLOAD_MAX_BYTES,
  newOpId,
  type OpKind,
  type WritebackOp,
} from "./op.ts";
import { outboxFile, readOutbox, removeOp, WritebackOpSchema } from "../relay/outbox.ts";
import { decide, DEFAULT_POLICY, type Failure, type RetryPolicy } from "./policy.ts";
import { sampleBody } from "./redact.ts";
import { writeFilesAtomic } from "../lib/atomic_write.ts";

/** A local change handed to the queue. */
export interface LocalChange {
  path: string;
  kind: OpKind;
  /** The bytes to upload (create/update), already hashed. */
  bytes?: Uint8Array;
  contentHash: string | null;
  contentType?: string;
  /** Wire form of `bytes`. */
  wire?: { content: string; encoding: "" | "base64" };
  baseRevision: string | null;
}

export interface QueueHooks {
  /** The revision the server has for `path` as far as the mount knows, asked at send time (not at enqueue time). */
  baseRevision(path: string): string | null;
  /** Ops reached the server, a batch at a time: `revision` is the new revision (null after a delete). */
  onCommitted(committed: { op: WritebackOp; revision: string | null }[]): Promise<void>;
  /** The server has another revision than the op was based on: the mount keeps both sides. */
  onConflict(op: WritebackOp): Promise<void>;
  /** Re-reads the token source; true when it changed (a 401 is then retried once). */
  reloadToken(): Promise<boolean>;
  log(line: string): void;
}

export interface QueueOptions {
  policy?: RetryPolicy;
  now?: () => number;
  random?: () => number;
  /** Upper bound for one bulk request body (the reference server's default limit is 1 MiB). */
  maxBatchBytes?: number;
  maxBatchFiles?: number;
}

export interface QueueCounts {
  pending: number;
  inFlight: number;
  retryWait: number;
  deadLettered: number;
  /** Lifetime count of failed attempts, for `failedWritebacks`. */
  failedAttempts: number;
}

interface DeadLetterMark {
  opId: string;
  contentHash: string | null;
}

export class WritebackQueue {
  readonly #mountDir: string;
  readonly #client: RelayfileClient;
  readonly #hooks: QueueHooks;
  readonly #policy: RetryPolicy;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #maxBatchBytes: number;
  readonly #maxBatchFiles: number;
  readonly #ops = new Map<string, WritebackOp>();
  /** The live op of each path (at most one): `opFor` is on the engine's hot paths. */
  readonly #byPath = new Map<string, string>();
  readonly #inFlight = new Set<string>();
  /** Our dead letters by path: a path keeps at most one, and its content is not re-sent until it changes. */
  readonly #deadLetters = new Map<string, DeadLetterMark>();
  #failedAttempts = 0;
  #circuit: CircuitState = CLOSED;
  /** Ops whose outbox files are being removed right now: adoption must not take them back in. */
  readonly #removing = new Set<string>();
  #flushing: Promise<void> | undefined;
  #again = false;
  /** Wakes a send pass that is waiting for a batch to finish. */
  #wake: (() => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #idleWaiters: (() => void)[] = [];

  constructor(mountDir: string, client: RelayfileClient, hooks: QueueHooks, options: QueueOptions = {}) {
    this.#mountDir = mountDir;
    this.#client = client;
    this.#hooks = hooks;
    this.#policy = options.policy ?? DEFAULT_POLICY;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#maxBatchBytes = options.maxBatchBytes ?? 768 * 1024;
    this.#maxBatchFiles = options.maxBatchFiles ?? 256;
  }

  /** Loads unsettled ops (a crash leaves them here; they replay with the same identity) and our dead letters. */
  async load(): Promise<void> {
    const { ops, problems } = await readOutbox(this.#mountDir);
    for (const problem of problems) {
      this.#hooks.log(`outbox: unreadable record kept: ${problem.file}: ${problem.message}`);
    }
    for (const op of ops) this.#put(op.state === "in_flight" ? { ...op, state: "pending" } : op);
    const { entries } = await readDeadLetters(this.#mountDir);
    for (const entry of entries) {
      if (entry.record) {
        this.#deadLetters.set(entry.record.path, { opId: entry.opId, contentHash: entry.record.contentHash });
      }
    }
  }

  set failedAttempts(count: number) {
    this.#failedAttempts = count;
  }

  counts(): QueueCounts {
    let pending = 0;
    let retryWait = 0;
    for (const op of this.#ops.values()) {
      if (this.#inFlight.has(op.path)) continue;
      if (op.state === "retry_wait") retryWait++;
      else pending++;
    }
    return {
      pending,
      inFlight: this.#inFlight.size,
      retryWait,
      deadLettered: this.#deadLetters.size,
      failedAttempts: this.#failedAttempts,
    };
  }

  /** The live op of a path, if any. */
  opFor(path: string): WritebackOp | undefined {
    const opId = this.#byPath.get(path);
    return opId === undefined ? undefined : this.#ops.get(opId);
  }

  /** Paths with a live op. */
  queuedPaths(): IterableIterator<string> {
    return this.#byPath.keys();
  }

  isInFlight(path: string): boolean {
    return this.#inFlight.has(path);
  }

  /** True when this content of this path was dead-lettered and has not changed since. */
  isDeadLettered(path: string, contentHash: string | null): boolean {
    const mark = this.#deadLetters.get(path);
    return mark !== undefined && mark.contentHash === contentHash;
  }

  /**
   * Persists ops for local changes (fsynced, before anything is sent), superseding unsent ops of the same paths,
   * then starts sending. A delete of a path that was never uploaded sends nothing: it only cancels the unsent create.
   */
  async enqueue(changes: LocalChange[]): Promise<void> {
    const now = this.#now();
    const toWrite: WritebackOp[] = [];
    const superseded: WritebackOp[] = [];
    const blobs: Uint8Array[] = [];
    for (const change of changes) {
      const previous = this.opFor(change.path);
      if (previous && !this.#inFlight.has(change.path)) superseded.push(previous);
      const neverUploaded = change.kind === "delete" && change.baseRevision === null &&
        this.#hooks.baseRevision(change.path) === null;
      if (neverUploaded) continue;
      const op: WritebackOp = {
        schemaVersion: 1,
        opId: newOpId(now, this.#random),
        path: change.path,
        kind: change.kind,
        state: "pending",
        contentHash: change.contentHash,
        baseRevision: change.baseRevision,
        attempts: 0,
        createdAt: new Date(now).toISOString(),
        updatedAt: new Date(now).toISOString(),
        history: [],
      };
      if (change.contentType) op.contentType = change.contentType;
      if (change.wire && change.bytes && change.bytes.length <= INLINE_PAYLOAD_MAX_BYTES) op.payload = change.wire;
      else if (change.bytes) blobs.push(change.bytes);
      toWrite.push(op);
    }
    for (const bytes of blobs) await putBlob(this.#mountDir, bytes);
    await writeFilesAtomic(toWrite.map((op) => ({
      path: outboxFile(this.#mountDir, op.opId),
      data: JSON.stringify(WritebackOpSchema.parse(op)) + "\n",
    })));
    for (const op of superseded) {
      this.#drop(op);
      await this.#removeFile(op.opId);
    }
    for (const op of toWrite) this.#put(op);
    this.kick();
  }

  /**
   * Takes in ops that appeared in the outbox since it was loaded (`writeback retry` hands them over this way) and
   * returns how many. Ops this queue settled are not taken back.
   */
  async adoptFromDisk(): Promise<number> {
    // Only files this queue does not hold are read: a burst keeps a thousand ops here, and this runs every second.
    // An id this queue settled earlier may come back: `writeback retry` re-queues a dead letter under its opId.
    const { ops } = await readOutbox(this.#mountDir, (opId) => !this.#ops.has(opId) && !this.#removing.has(opId));
    let adopted = 0;
    for (const op of ops) {
      if (this.#ops.has(op.opId) || this.#removing.has(op.opId)) continue;
      const previous = this.opFor(op.path);
      if (previous && !this.#inFlight.has(op.path)) {
        this.#drop(previous);
        await this.#removeFile(previous.opId);
      } else if (previous) continue;
      this.#put(op.state === "in_flight" ? { ...op, state: "pending" } : op);
      const mark = this.#deadLetters.get(op.path);
      if (mark?.opId === op.opId) this.#deadLetters.delete(op.path);
      adopted++;
    }
    if (adopted > 0) this.kick();
    return adopted;
  }

  /** Drops the unsent op of a path (its bytes were kept by the caller, e.g. in a conflict copy). */
  async cancel(path: string): Promise<void> {
    const op = this.opFor(path);
    if (!op || this.#inFlight.has(path)) return;
    this.#drop(op);
    await this.#removeFile(op.opId);
  }

  /** Starts a send pass now (or right after the running one). */
  kick(): void {
    if (this.#closed) return;
    if (this.#flushing) {
      this.#again = true;
      this.#wake?.();
      return;
    }
    this.#flushing = this.#flushLoop().finally(() => {
      this.#flushing = undefined;
      this.#schedule();
      if (this.#ops.size === 0 || this.#nothingDue()) this.#idleWaiters.splice(0).forEach((resolve) => resolve());
    });
  }

  /** Resolves when nothing is due to be sent (ops waiting for a retry do not count), or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = this.#now() + timeoutMs;
    while (this.#now() < deadline) {
      if (!this.#flushing && this.#nothingDue() && this.#inFlight.size === 0) return true;
      this.kick();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, Math.min(100, deadline - this.#now())));
        this.#idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.#nothingDue() && this.#inFlight.size === 0;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#flushing;
  }

  #nothingDue(): boolean {
    const now = this.#now();
    for (const op of this.#ops.values()) if (this.#isDue(op, now)) return false;
    return true;
  }

  /** Not being sent, and either never sent or past its retry time. */
  #isDue(op: WritebackOp, now: number): boolean {
    if (this.#inFlight.has(op.path)) return false;
    return op.state !== "retry_wait" || Date.parse(op.notBefore ?? "") <= now;
  }

  async #removeFile(opId: string): Promise<void> {
    this.#removing.add(opId);
    try {
      await removeOp(this.#mountDir, opId);
    } finally {
      this.#removing.delete(opId);
    }
  }

  #put(op: WritebackOp): void {
    this.#ops.set(op.opId, op);
    this.#byPath.set(op.path, op.opId);
  }

  #drop(op: WritebackOp): void {
    this.#ops.delete(op.opId);
    if (this.#byPath.get(op.path) === op.opId) this.#byPath.delete(op.path);
  }

  #schedule(): void {
    if (this.#closed) return;
    if (this.#again) {
      this.#again = false;
      this.kick();
      return;
    }
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    let earliest = Infinity;
    for (const op of this.#ops.values()) {
      if (op.state === "retry_wait") earliest = Math.min(earliest, Date.parse(op.notBefore ?? "") || 0);
      else if (!this.#inFlight.has(op.path)) earliest = Math.min(earliest, this.#now());
    }
    if (earliest === Infinity) return;
    if (isOpen(this.#circuit, this.#now())) earliest = Math.max(earliest, this.#circuit.openUntil);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.kick();
    }, Math.max(0, earliest - this.#now()));
  }

  /**
   * Sends what is due, up to BATCHES_IN_FLIGHT batches at once, and takes in newly due ops as each batch finishes —
   * not only when a whole pass is done, so a burst's later batches do not wait for the earlier ones' bookkeeping.
   * A batch's paths are marked in flight before it starts, so no op is ever in two batches.
   */
  async #flushLoop(): Promise<void> {
    const sending = new Set<Promise<void>>();
    const start = (work: Promise<void>) => {
      const tracked = work.finally(() => sending.delete(tracked));
      sending.add(tracked);
    };
    for (;;) {
      if (!this.#closed && !isOpen(this.#circuit, this.#now())) {
        const due = this.#dueOps();
        const deletes = due.filter((op) => op.kind === "delete");
        const batches = this.#batches(due.filter((op) => op.kind !== "delete"));
        for (const batch of batches) {
          if (sending.size >= BATCHES_IN_FLIGHT) break;
          this.#markInFlight(batch);
          start(this.#sendBatch(batch));
        }
        if (deletes.length > 0) {
          this.#markInFlight(deletes);
          start(this.#sendDeletes(deletes));
        }
      }
      // While the circuit is open nothing new starts; #schedule wakes us when it may close.
      if (sending.size === 0) return;
      // A batch finishing, or kick() (new ops), is a reason to look again.
      await Promise.race([...sending, new Promise<void>((resolve) => this.#wake = resolve)]);
      this.#wake = undefined;
    }
  }

  #markInFlight(ops: WritebackOp[]): void {
    for (const op of ops) this.#inFlight.add(op.path);
  }

  #dueOps(): WritebackOp[] {
    const now = this.#now();
    return [...this.#ops.values()].filter((op) => this.#isDue(op, now));
  }

  #batches(ops: WritebackOp[]): WritebackOp[][] {
    const batches: WritebackOp[][] = [];
    let current: WritebackOp[] = [];
    let bytes = 0;
    for (const op of ops) {
      const size = (op.payload?.content.length ?? 0) + op.path.length + 256;
      if (current.length > 0 && (bytes + size > this.#maxBatchBytes || current.length >= this.#maxBatchFiles)) {
        batches.push(current);
        current = [];
        bytes = 0;
      }
      current.push(op);
      bytes += size;
    }
    if (current.length > 0) batches.push(current);
    return batches;
  }

  /** Sends one bulk batch; its paths are in flight (marked by the caller) until it is settled. */
  async #sendBatch(batch: WritebackOp[]): Promise<void> {
    try {
      await this.#sendMarkedBatch(batch);
    } finally {
      batch.forEach((op) => this.#inFlight.delete(op.path));
    }
  }

  async #sendMarkedBatch(batch: WritebackOp[]): Promise<void> {
    const files: BulkFile[] = [];
    const sendable: WritebackOp[] = [];
    for (const op of batch) {
      const payload = await this.#payloadOf(op);
      if (!payload) {
        await this.#deadLetter(
          op,
          { status: 0, message: "the payload of this op is gone", code: "payload_missing" },
          "",
          "unknown",
          "inspect",
        );
        continue;
      }
      const base = this.#hooks.baseRevision(op.path);
      files.push({
        path: op.path,
        contentType: op.contentType ?? "text/plain",
        content: payload.content,
        encoding: payload.encoding,
        ifMatch: base ?? "0",
        contentIdentity: { kind: "relayfile-deno-op", key: contentIdentityKey(op), ttlSeconds: 604_800 },
      });
      sendable.push(op);
    }
    if (sendable.length === 0) return;
    try {
      const response = await this.#client.bulkWrite(files);
      this.#serverAnswered();
      const results = new Map(response.results.map((result) => [result.path, result]));
      const errors = new Map(response.errors.map((error) => [error.path, error]));
      const committed: { op: WritebackOp; revision: string | null }[] = [];
      for (const op of sendable) {
        const result = results.get(op.path);
        if (result && !errors.has(op.path)) committed.push({ op, revision: result.revision });
      }
      await this.#committed(committed);
      for (const op of sendable) {
        const result = results.get(op.path);
        const error = errors.get(op.path);
        if (result && !error) continue;
        if (error) {
          await this.#failed(op, {
            status: error.code === "conflict" ? 409 : 202,
            code: error.code,
            message: error.message || error.code,
          }, JSON.stringify(error));
        } else {
          await this.#failed(op, { status: 502, message: "the server did not answer for this file" }, "");
        }
      }
    } catch (error) {
      const failure = failureOf(error);
      if (isTransient(failure)) this.#serverFailed(failure);
      else this.#serverAnswered();
      // One file can poison a batch (too large, invalid): send the batch-mates on their own, uncharged.
      if (sendable.length > 1 && !isTransient(failure)) {
        const middle = Math.ceil(sendable.length / 2);
        await this.#sendMarkedBatch(sendable.slice(0, middle));
        await this.#sendMarkedBatch(sendable.slice(middle));
        return;
      }
      for (const op of sendable) await this.#failed(op, failure, error instanceof HttpError ? error.body : "");
    }
  }

  /** Sends deletes one by one; each path is in flight (marked by the caller) until its own delete is settled. */
  async #sendDeletes(deletes: WritebackOp[]): Promise<void> {
    let next = 0;
    try {
      for (; next < deletes.length; next++) {
        const op = deletes[next]!;
        try {
          await this.#sendDelete(op);
        } finally {
          this.#inFlight.delete(op.path);
        }
      }
    } finally {
      // Only if one threw: the deletes not reached are not in flight any more.
      for (const op of deletes.slice(next + 1)) this.#inFlight.delete(op.path);
    }
  }

  async #sendDelete(op: WritebackOp): Promise<void> {
    const base = this.#hooks.baseRevision(op.path) ?? op.baseRevision;
    if (base === null) return await this.#settle(op);
    try {
      await this.#client.deleteFile(op.path, base);
      this.#serverAnswered();
      await this.#committed([{ op, revision: null }]);
    } catch (error) {
      const failure = failureOf(error);
      if (isTransient(failure)) this.#serverFailed(failure);
      else this.#serverAnswered();
      if (error instanceof HttpError && error.status === 404) await this.#committed([{ op, revision: null }]);
      else await this.#failed(op, failureOf(error), error instanceof HttpError ? error.body : "");
    }
  }

  /** The server answered (whatever it said): a paused writeback resumes. */
  #serverAnswered(): void {
    if (this.#circuit.openings > 0) this.#hooks.log("writeback resumed: the server answers again");
    this.#circuit = recordSuccess(this.#circuit);
  }

  /** No answer, or 408/425/429/5xx: after a few in a row, nothing is sent for a while (logged once). */
  #serverFailed(failure: Failure): void {
    const wasOpen = this.#circuit.openings > 0;
    this.#circuit = recordFailure(this.#circuit, this.#now(), {
      threshold: CIRCUIT_THRESHOLD,
      baseMs: this.#policy.baseMs,
      capMs: Math.min(this.#policy.capMs, CIRCUIT_CAP_MS),
    });
    if (!wasOpen && this.#circuit.openings > 0) {
      this.#hooks.log(
        `writeback paused: the server keeps failing (${failure.status || "no answer"} ${failure.message}); ` +
          "probing with backoff, queued changes are kept",
      );
    }
  }

  async #committed(committed: { op: WritebackOp; revision: string | null }[]): Promise<void> {
    if (committed.length === 0) return;
    await this.#hooks.onCommitted(committed);
    for (const { op } of committed) {
      const mark = this.#deadLetters.get(op.path);
      if (mark && mark.opId !== op.opId) await this.#removeDeadLetter(op.path, mark.opId);
    }
    await this.#settle(...committed.map(({ op }) => op));
  }

  /** Settled ops leave the outbox (their files removed a few at a time). */
  async #settle(...ops: WritebackOp[]): Promise<void> {
    for (const op of ops) {
      this.#drop(op);
      this.#removing.add(op.opId); // before any await: adoption must not see them as new
    }
    for (let start = 0; start < ops.length; start += 32) {
      await Promise.all(ops.slice(start, start + 32).map((op) => this.#removeFile(op.opId)));
    }
  }

  async #failed(op: WritebackOp, failure: Failure, body: string): Promise<void> {
    const now = this.#now();
    this.#failedAttempts++;
    const decision = decide(failure, { attempts: op.attempts + 1, createdAtMs: Date.parse(op.createdAt) }, {
      now,
      random: this.#random(),
      policy: this.#policy,
      reauthTried: false,
    });
    const tokenChanged = decision.action === "reauth" ? await this.#hooks.reloadToken() : false;
    const next = afterFailure(op, failure, decision, { now, tokenChanged });
    switch (next.outcome) {
      case "conflict":
        await this.#hooks.onConflict(next.op);
        await this.#settle(next.op);
        return;
      case "retry_wait":
      case "resend":
        await this.#persist(next.op);
        return;
      case "dead_lettered":
        await this.#deadLetter(next.op, failure, body, next.classification, next.nextAction);
    }
  }

  async #persist(op: WritebackOp): Promise<void> {
    this.#put(op);
    await writeFilesAtomic([{
      path: outboxFile(this.#mountDir, op.opId),
      data: JSON.stringify(WritebackOpSchema.parse(op)) + "\n",
    }]);
  }

  /** The op leaves the outbox for a dead-letter record that keeps its payload in blobs/. */
  async #deadLetter(
    op: WritebackOp,
    failure: Failure,
    body: string,
    classification: Classification = classifyFailure(failure.status, failure.code),
    nextAction: NextAction = nextActionFor(classification),
  ): Promise<void> {
    if (op.payload) {
      const bytes = fromWire(op.payload.content, op.payload.encoding);
      if (bytes) await putBlob(this.#mountDir, bytes);
    }
    const record = deadLetterOf(op, {
      status: failure.status,
      body: sampleBody(body || failure.message),
      classification,
      nextAction,
    }, new Date(this.#now()));
    const previous = this.#deadLetters.get(op.path);
    await writeDeadLetter(this.#mountDir, record);
    if (previous && previous.opId !== op.opId) await this.#removeDeadLetter(op.path, previous.opId);
    this.#deadLetters.set(op.path, { opId: op.opId, contentHash: op.contentHash });
    this.#hooks.log(`dead-lettered ${op.opId} ${op.path}: ${failure.status || "no answer"} ${failure.message}`);
    await this.#settle(op);
  }

  async #removeDeadLetter(path: string, opId: string): Promise<void> {
    await removeDeadLetterFiles({ files: [deadLetterFile(this.#mountDir, opId)] });
    if (this.#deadLetters.get(path)?.opId === opId) this.#deadLetters.delete(path);
  }

  async #payloadOf(op: WritebackOp): Promise<{ content: string; encoding: "" | "base64" } | undefined> {
    if (op.payload) return op.payload;
    if (op.contentHash === null) return undefined;
    const bytes = await readBlob(this.#mountDir, op.contentHash).catch(() => undefined);
    return bytes ? toWire(bytes, op.contentType ?? "application/octet-stream") : undefined;
  }
}

/**
 * Bulk batches in flight at once. Two: a batch's commit bookkeeping (which waits for the engine's lock, busy reading
 * a burst of local files) overlaps the next batch's request.
 */
const BATCHES_IN_FLIGHT = 2;

/** Consecutive transient failures that open the circuit, and the longest pause between probes. */
const CIRCUIT_THRESHOLD = 5;
const CIRCUIT_CAP_MS = 30_000;

function failureOf(error: unknown): Failure {
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

function isTransient(failure: Failure): boolean {
  return classifyFailure(failure.status, failure.code) === "transient";
}
