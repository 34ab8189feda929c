/**
 * The writeback queue: every local change is an op persisted in the outbox before anything is sent; the scheduler
 * says what is due, the sender sends it, and each outcome goes through the op's pure transitions and the policy.
 * One op per path at a time; a newer change to a path supersedes its unsent op.
 *
 * The queue never calls into the mount. Ops that reached the server (or met a conflict) are handed out as
 * deliveries (`nextDeliveries`); their paths stay in flight until the mount has taken them in and calls `settle`.
 */
import { mapConcurrent } from "../lib/map_concurrent.ts";
import { fromWire, toWire } from "../protocol/content.ts";
import { putBlob, readBlob } from "../relay/blobs.ts";
import { type Classification, classifyFailure, type NextAction, nextActionFor } from "../relay/classify.ts";
import { deadLetterFile, readDeadLetter, readDeadLetters, writeDeadLetter } from "../relay/dead_letter.ts";
import { discardDeadLetter, removeDeadLetterFiles } from "../relay/discard.ts";
import { readOutbox, removeOp, writeOps } from "../relay/outbox.ts";
import { type CircuitState, CLOSED, isOpen, recordFailure, recordSuccess } from "./circuit.ts";
import {
  afterFailure,
  deadLetterOf,
  INLINE_PAYLOAD_MAX_BYTES,
  type InlinePayload,
  type NewOp,
  newOp,
  transition,
  type WritebackOp,
} from "./op.ts";
import { type OpCounts, OpTable } from "./op_table.ts";
import { decide, DEFAULT_POLICY, type Failure, type RetryPolicy } from "./policy.ts";
import { sampleBody } from "./redact.ts";
import { type BatchLimits, DEFAULT_BATCH_LIMITS, nextWakeAt, planSends } from "./scheduler.ts";
import { sendBatch, type SendContext, sendDelete, type SendResult, type Transport } from "./sender.ts";

/** A local change handed to the queue. */
export interface LocalChange extends NewOp {
  /** The bytes to upload (create/update), already hashed. */
  bytes?: Uint8Array;
  /** Wire form of `bytes`. */
  wire?: InlinePayload;
}

/** What the mount must take in: an op on the server at `revision` (null after a delete), or a conflict. */
export type Delivery =
  | { kind: "committed"; op: WritebackOp; revision: string | null }
  | { kind: "conflict"; op: WritebackOp };

export interface QueueOptions {
  /** The revision the mount has for a path, asked at send time. */
  baseRevisionOf(path: string): string | null;
  /** Re-reads the token source; true when it changed (a 401 is then retried once). */
  reloadToken(): Promise<boolean>;
  log(line: string): void;
  policy?: RetryPolicy;
  now?: () => number;
  /** The backoff's jitter, in [0, 1). */
  random?: () => number;
  batchLimits?: BatchLimits;
  /** The lifetime count of failed attempts so far (from `state.json`). */
  failedAttempts?: number;
}

export interface QueueCounts extends OpCounts {
  /** Lifetime count of failed attempts, for `failedWritebacks`. */
  failedAttempts: number;
}

/** Bulk batches in flight at once: the next batch's request overlaps the previous one's answer. */
const BATCHES_IN_FLIGHT = 2;
/** Consecutive transient failures that open the circuit, and the longest pause between probes. */
const CIRCUIT_THRESHOLD = 5;
const CIRCUIT_CAP_MS = 30_000;

export class WritebackQueue {
  readonly #mountDir: string;
  readonly #transport: Transport;
  readonly #options: QueueOptions;
  readonly #policy: RetryPolicy;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #limits: BatchLimits;
  readonly #table = new OpTable();
  #failedAttempts: number;
  #circuit: CircuitState = CLOSED;
  /** Ops whose outbox files are being removed right now: adoption must not take them back in. */
  readonly #removing = new Set<string>();
  #deliveries: Delivery[] = [];
  #deliveryWaiter: (() => void) | undefined;
  #flushing: Promise<void> | undefined;
  #again = false;
  /** Wakes a send pass that is waiting for a batch to finish. */
  #wake: (() => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #awaitingCredentials = false;
  #idleWaiters: (() => void)[] = [];

  constructor(mountDir: string, transport: Transport, options: QueueOptions) {
    this.#mountDir = mountDir;
    this.#transport = transport;
    this.#options = options;
    this.#policy = options.policy ?? DEFAULT_POLICY;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#limits = options.batchLimits ?? DEFAULT_BATCH_LIMITS;
    this.#failedAttempts = options.failedAttempts ?? 0;
  }

  /** Loads unsettled ops (a crash leaves them here; they replay with the same identity) and our dead letters. */
  async load(): Promise<void> {
    const { ops, problems } = await readOutbox(this.#mountDir);
    for (const problem of problems) {
      this.#options.log(`outbox: unreadable record kept: ${problem.file}: ${problem.message}`);
    }
    for (const op of ops) this.#table.put(transition(op, { type: "recovered" }));
    const { entries } = await readDeadLetters(this.#mountDir);
    for (const entry of entries) {
      if (entry.record) {
        this.#table.markDeadLettered(entry.record.path, { opId: entry.opId, contentHash: entry.record.contentHash });
      }
    }
  }

  counts(): QueueCounts {
    return { ...this.#table.counts(), failedAttempts: this.#failedAttempts };
  }

  /** The live op of a path, if any. */
  opFor(path: string): WritebackOp | undefined {
    return this.#table.opFor(path);
  }

  /** Paths with a live op. */
  queuedPaths(): IterableIterator<string> {
    return this.#table.queuedPaths();
  }

  isInFlight(path: string): boolean {
    return this.#table.isInFlight(path);
  }

  /** True when this content of this path was dead-lettered and has not changed since. */
  isDeadLettered(path: string, contentHash: string | null): boolean {
    return this.#table.isDeadLettered(path, contentHash);
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
      const previous = this.#table.opFor(change.path);
      if (previous && previous.state !== "in_flight") superseded.push(previous);
      const neverUploaded = change.kind === "delete" && change.baseRevision === null &&
        this.#options.baseRevisionOf(change.path) === null;
      if (neverUploaded) continue;
      // Ids take their own randomness: `random` is the backoff's jitter, which a test may pin.
      const op = newOp(change, now, Math.random);
      if (change.wire && change.bytes && change.bytes.length <= INLINE_PAYLOAD_MAX_BYTES) op.payload = change.wire;
      else if (change.bytes) blobs.push(change.bytes);
      toWrite.push(op);
    }
    for (const bytes of blobs) await putBlob(this.#mountDir, bytes);
    await writeOps(this.#mountDir, toWrite);
    for (const op of superseded) {
      this.#table.drop(op);
      await this.#removeFile(op.opId);
    }
    for (const op of toWrite) this.#table.put(op);
    this.kick();
  }

  /**
   * Takes in ops that appeared in the outbox since it was loaded (`writeback retry` hands them over this way) and
   * returns how many. Ops this queue settled are not taken back.
   */
  async adoptFromDisk(): Promise<number> {
    // Only files this queue does not hold are read: a burst keeps a thousand ops here, and this runs every second.
    // An id this queue settled earlier may come back: `writeback retry` re-queues a dead letter under its opId.
    const isNew = (opId: string) => !this.#table.has(opId) && !this.#removing.has(opId);
    const { ops } = await readOutbox(this.#mountDir, isNew);
    let adopted = 0;
    for (const op of ops) {
      if (!isNew(op.opId)) continue;
      const previous = this.#table.opFor(op.path);
      if (previous && previous.state !== "in_flight") {
        this.#table.drop(previous);
        await this.#removeFile(previous.opId);
      } else if (previous) continue;
      this.#table.put(transition(op, { type: "recovered" }));
      this.#table.clearDeadLetter(op.path, op.opId);
      adopted++;
    }
    if (adopted > 0) this.kick();
    return adopted;
  }

  /** A 401 that no re-read of the token source could fix: nothing is sent until `credentialsRenewed()`. */
  get awaitingCredentials(): boolean {
    return this.#awaitingCredentials;
  }

  /** The token source has a new token: writeback resumes. */
  credentialsRenewed(): void {
    if (!this.#awaitingCredentials) return;
    this.#awaitingCredentials = false;
    this.#options.log("writeback resumed: new credentials");
    this.kick();
  }

  /** True when the path has a dead letter of ours (whatever its content). */
  hasDeadLetter(path: string): boolean {
    return this.#table.deadLetterOf(path) !== undefined;
  }

  /**
   * The path's dead letter no longer stands for anything (its file was deleted before it ever reached the
   * server): the record is discarded, with a line in the discard log saying `why`. Nothing is sent.
   */
  async discardDeadLetter(path: string, why: string): Promise<void> {
    const mark = this.#table.deadLetterOf(path);
    if (!mark) return;
    const read = await readDeadLetter(this.#mountDir, mark.opId);
    if (read && "entry" in read) await discardDeadLetter(this.#mountDir, read.entry, new Date(this.#now()), why);
    this.#table.clearDeadLetter(path, mark.opId);
    this.#options.log(`discarded dead letter ${mark.opId} ${path}: ${why}`);
  }

  /** Drops the unsent op of a path (its bytes were kept by the caller, e.g. in a conflict copy). */
  async cancel(path: string): Promise<void> {
    const op = this.#table.opFor(path);
    if (!op || op.state === "in_flight") return;
    this.#table.drop(op);
    await this.#removeFile(op.opId);
  }

  /**
   * The next deliveries for the mount to take in, waiting for some; `undefined` once the queue is closed and has
   * handed out everything.
   */
  async nextDeliveries(): Promise<Delivery[] | undefined> {
    while (this.#deliveries.length === 0) {
      if (this.#closed && !this.#flushing) return undefined;
      await new Promise<void>((resolve) => this.#deliveryWaiter = resolve);
      this.#deliveryWaiter = undefined;
    }
    return this.#deliveries.splice(0);
  }

  /** The mount has taken these deliveries in: they leave the outbox and their paths are free again. */
  async settle(deliveries: readonly Delivery[]): Promise<void> {
    for (const delivery of deliveries) {
      if (delivery.kind !== "committed") continue;
      const mark = this.#table.deadLetterOf(delivery.op.path);
      if (mark && mark.opId !== delivery.op.opId) await this.#removeDeadLetter(delivery.op.path, mark.opId);
    }
    await this.#settleOps(deliveries.map((delivery) => delivery.op));
    this.kick();
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
      this.#notifyIdle();
      if (this.#closed) this.#deliveryWaiter?.();
    });
  }

  /** Resolves when nothing is due to be sent nor on its way (ops waiting for a retry do not count), or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = this.#now() + timeoutMs;
    while (this.#now() < deadline) {
      if (!this.#flushing && this.#table.idle(this.#now())) return true;
      if (this.#awaitingCredentials) return false;
      this.kick();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, Math.min(100, deadline - this.#now())));
        this.#idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.#table.idle(this.#now());
  }

  /** Stops sending; deliveries already made are still handed out by `nextDeliveries`. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#flushing;
    this.#deliveryWaiter?.();
  }

  #notifyIdle(): void {
    if (this.#table.size === 0 || this.#table.idle(this.#now())) this.#idleWaiters.splice(0).forEach((wake) => wake());
  }

  async #removeFile(opId: string): Promise<void> {
    this.#removing.add(opId);
    try {
      await removeOp(this.#mountDir, opId);
    } finally {
      this.#removing.delete(opId);
    }
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
    if (this.#awaitingCredentials) return; // credentialsRenewed() kicks
    const now = this.#now();
    const wakeAt = nextWakeAt(this.#table.values(), now, (path) => this.#table.isInFlight(path), this.#circuit);
    if (wakeAt === undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.kick();
    }, Math.max(0, wakeAt - now));
  }

  /**
   * Sends what is due, up to BATCHES_IN_FLIGHT batches at once, and takes in newly due ops as each batch finishes.
   * A batch's ops are in flight before it starts, so no op is ever in two batches.
   */
  async #flushLoop(): Promise<void> {
    const sending = new Set<Promise<void>>();
    const start = (ops: WritebackOp[], send: (sent: WritebackOp[]) => Promise<SendResult[]>) => {
      const sent = ops.map((op) => transition(op, { type: "sent" }));
      for (const op of sent) this.#table.put(op);
      const work = send(sent).then((results) => this.#apply(results));
      const tracked = work.finally(() => sending.delete(tracked));
      sending.add(tracked);
    };
    const context = this.#sendContext();
    for (;;) {
      if (!this.#closed && !this.#awaitingCredentials && !isOpen(this.#circuit, this.#now())) {
        const plan = planSends(this.#table.due(this.#now()), this.#limits);
        for (const batch of plan.batches) {
          if (sending.size >= BATCHES_IN_FLIGHT) break;
          start(batch, (sent) => sendBatch(context, sent));
        }
        if (plan.deletes.length > 0) {
          start(plan.deletes, async (deletes) => {
            const results: SendResult[] = [];
            for (const op of deletes) results.push(await sendDelete(context, op));
            return results;
          });
        }
      }
      // While the circuit is open nothing new starts; #schedule wakes us when it may close.
      if (sending.size === 0) return;
      // A batch finishing, or kick() (new ops), is a reason to look again.
      await Promise.race([...sending, new Promise<void>((resolve) => this.#wake = resolve)]);
      this.#wake = undefined;
    }
  }

  #sendContext(): SendContext {
    return {
      transport: this.#transport,
      payloadOf: (op) => this.#payloadOf(op),
      baseRevisionOf: (path) => this.#options.baseRevisionOf(path),
      serverAnswered: () => this.#serverAnswered(),
      serverFailed: (failure) => this.#serverFailed(failure),
    };
  }

  /** What each send came to: deliveries for the mount, a retry, or a dead letter. */
  async #apply(results: SendResult[]): Promise<void> {
    const delivered: Delivery[] = [];
    for (const result of results) {
      switch (result.outcome) {
        case "committed":
          delivered.push({ kind: "committed", op: result.op, revision: result.revision });
          break;
        case "nothing-to-send":
          await this.#settleOps([result.op]);
          break;
        case "stopped":
          this.#table.put(transition(result.op, { type: "recovered" }));
          break;
        case "payload-missing":
          await this.#deadLetter(
            result.op,
            { status: 0, message: "the payload of this op is gone", code: "payload_missing" },
            "",
            "unknown",
            "inspect",
          );
          break;
        case "failed": {
          const conflict = await this.#failed(result.op, result.failure, result.body, result.charged);
          if (conflict) delivered.push({ kind: "conflict", op: conflict });
        }
      }
    }
    if (delivered.length > 0) {
      this.#deliveries.push(...delivered);
      this.#deliveryWaiter?.();
    }
  }

  /**
   * The server answered (whatever it said): a paused writeback resumes, and every op waiting for a retry goes out
   * now rather than at the end of its own backoff.
   */
  #serverAnswered(): void {
    if (this.#circuit.openings > 0) {
      this.#options.log("writeback resumed: the server answers again");
      for (const op of this.#table.values()) {
        if (op.state === "retry_wait") this.#table.put(transition(op, { type: "woken" }));
      }
      this.#wake?.();
    }
    this.#circuit = recordSuccess(this.#circuit);
  }

  /**
   * No answer, or 408/425/429/5xx: after a few in a row, nothing is sent for a while (logged once). Returns whether
   * the server was serving until this failure (the failure may then be the op's, not the server's).
   */
  #serverFailed(failure: Failure): boolean {
    const wasServing = this.#circuit.consecutiveFailures === 0;
    const wasOpen = this.#circuit.openings > 0;
    this.#circuit = recordFailure(this.#circuit, this.#now(), {
      threshold: CIRCUIT_THRESHOLD,
      baseMs: this.#policy.baseMs,
      capMs: Math.min(this.#policy.capMs, CIRCUIT_CAP_MS),
    });
    if (!wasOpen && this.#circuit.openings > 0) {
      this.#options.log(
        `writeback paused: the server keeps failing (${failure.status || "no answer"} ${failure.message}); ` +
          "probing with backoff, queued changes are kept",
      );
    }
    return wasServing;
  }

  /** Settled ops leave the table and the outbox (their files removed a few at a time). */
  async #settleOps(ops: readonly WritebackOp[]): Promise<void> {
    for (const op of ops) {
      this.#table.drop(op);
      this.#removing.add(op.opId); // before any await: adoption must not see them as new
    }
    await mapConcurrent(ops, 32, (op) => this.#removeFile(op.opId));
    this.#notifyIdle();
  }

  /**
   * One failed attempt: the policy decides, with the attempt charged to the op's budget only when `charged`;
   * returns the op when it met a conflict (a delivery for the mount).
   */
  async #failed(op: WritebackOp, failure: Failure, body: string, charged: boolean): Promise<WritebackOp | undefined> {
    const now = this.#now();
    this.#failedAttempts++;
    const attempts = op.attempts + (charged ? 1 : 0);
    const decision = decide(failure, { attempts, createdAtMs: Date.parse(op.createdAt) }, {
      now,
      random: this.#random(),
      policy: this.#policy,
      reauthTried: false,
    });
    const tokenChanged = decision.action === "reauth" ? await this.#options.reloadToken() : false;
    const next = afterFailure(op, failure, decision, { now, tokenChanged, charged });
    switch (next.outcome) {
      case "conflict":
        this.#table.put(next.op);
        return next.op;
      case "await_credentials":
        this.#table.put(next.op);
        await writeOps(this.#mountDir, [next.op]);
        if (!this.#awaitingCredentials) {
          this.#awaitingCredentials = true;
          this.#options.log(
            "writeback paused: the server refuses the token (401); queued changes are kept until the " +
              "credentials change",
          );
          this.#idleWaiters.splice(0).forEach((wake) => wake());
        }
        return undefined;
      case "retry_wait":
      case "resend":
        // A newer change of the path came while this one was on its way: it carries the newer content.
        if (this.#table.opFor(op.path)?.opId !== op.opId) {
          await this.#settleOps([op]);
          return undefined;
        }
        this.#table.put(next.op);
        await writeOps(this.#mountDir, [next.op]);
        return undefined;
      case "dead_lettered":
        await this.#deadLetter(next.op, failure, body, next.classification, next.nextAction);
        return undefined;
    }
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
    const previous = this.#table.deadLetterOf(op.path);
    await writeDeadLetter(this.#mountDir, record);
    if (previous && previous.opId !== op.opId) await this.#removeDeadLetter(op.path, previous.opId);
    this.#table.markDeadLettered(op.path, { opId: op.opId, contentHash: op.contentHash });
    this.#options.log(`dead-lettered ${op.opId} ${op.path}: ${failure.status || "no answer"} ${failure.message}`);
    await this.#settleOps([op]);
  }

  async #removeDeadLetter(path: string, opId: string): Promise<void> {
    await removeDeadLetterFiles({ files: [deadLetterFile(this.#mountDir, opId)] });
    this.#table.clearDeadLetter(path, opId);
  }

  async #payloadOf(op: WritebackOp): Promise<InlinePayload | undefined> {
    if (op.payload) return op.payload;
    if (op.contentHash === null) return undefined;
    const bytes = await readBlob(this.#mountDir, op.contentHash).catch(() => undefined);
    return bytes ? toWire(bytes, op.contentType ?? "application/octet-stream") : undefined;
  }
}
