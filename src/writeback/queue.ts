/**
 * The writeback queue: every local change is an op persisted in the outbox before anything is sent; the scheduler
 * says what is due, the sender sends it, and `outcomes.ts` carries out what each answer means through the op's pure
 * transitions and the policy. One op per path at a time; a newer change to a path supersedes its unsent op. An op
 * the server accepted waits for the provider's receipt (`receipts.ts`) before it leaves the outbox.
 *
 * The queue never calls into the mount. Ops that reached the server (or met a conflict) are handed out as
 * deliveries (`nextDeliveries`); their paths stay in flight until the mount has taken them in and calls `settle`.
 */
import type { Log } from "../lib/log.ts";
import { readOutbox } from "../relay/outbox.ts";
import { Breaker } from "./breaker.ts";
import { DeadLetterBook } from "./dead_letter_book.ts";
import { newOp, transition, type WritebackOp } from "./op.ts";
import { type OpCounts, OpTable } from "./op_table.ts";
import { OutboxFiles } from "./outbox_files.ts";
import { adoptFromOutbox, type LocalChange, persistChanges } from "./intake.ts";
import { applyResults, applyVerdicts, type Delivery, type QueueParts, settleDelivered } from "./outcomes.ts";
import { DEFAULT_POLICY, type RetryPolicy } from "./policy.ts";
import { ReceiptTracker } from "./receipts.ts";
import { type BatchLimits, DEFAULT_BATCH_LIMITS, nextWakeAt, probeOrAll } from "./scheduler.ts";
import { payloadOf, planRequests, type SendContext, type SendResult, type Transport } from "./sender.ts";
import { SendLoop } from "./send_loop.ts";

export type { Delivery } from "./outcomes.ts";
export type { LocalChange } from "./intake.ts";
export { INLINE_PAYLOAD_MAX_BYTES } from "./op.ts";

export interface QueueOptions {
  /** The revision the mount has for a path, asked at send time. */
  baseRevisionOf(path: string): string | null;
  /** Re-reads the token source; true when it changed (a 401 is then retried once). */
  reloadToken(): Promise<boolean>;
  /** How a person gives the mount a new token, said when the server refuses this one. */
  tokenRenewal?: string;
  /**
   * The mount folder is still the one the mount started in: checked before deletes go out, since a folder removed
   * under the mount makes every file look deleted. When it is not, sending stops for good (the mount is stopping).
   */
  folderPresent?: () => boolean;
  log: Log;
  policy?: RetryPolicy;
  now?: () => number;
  /** The backoff's jitter, in [0, 1). */
  random?: () => number;
  batchLimits?: BatchLimits;
  /** The lifetime count of failed attempts so far (from `state.json`). */
  failedAttempts?: number;
  /** The longest pause between two asks for a provider's receipt (default 60 s). */
  receiptPollCapMs?: number;
}

export interface QueueCounts extends OpCounts {
  deadLettered: number;
  /** On the server, waiting for the provider's receipt. */
  awaitingProvider: number;
  /** Lifetime count of failed attempts, for `failedWritebacks`. */
  failedAttempts: number;
}

export class WritebackQueue {
  readonly #mountDir: string;
  readonly #options: QueueOptions;
  readonly #now: () => number;
  readonly #limits: BatchLimits;
  readonly #table: OpTable;
  readonly #outbox: OutboxFiles;
  readonly #book: DeadLetterBook;
  readonly #breaker: Breaker;
  readonly #receipts: ReceiptTracker;
  readonly #loop: SendLoop;
  readonly #parts: QueueParts;
  readonly #sendContext: SendContext;
  readonly #transport: Transport;
  #failedAttempts: number;
  #awaitingCredentials = false;
  #folderGone = false;
  #deliveries: Delivery[] = [];
  readonly #serverBack: (() => void)[] = [];
  #deliveryWaiter: (() => void) | undefined;

  constructor(mountDir: string, transport: Transport, options: QueueOptions) {
    this.#mountDir = mountDir;
    this.#options = options;
    this.#transport = transport;
    const policy = options.policy ?? DEFAULT_POLICY;
    const now = this.#now = options.now ?? Date.now;
    this.#table = new OpTable(now);
    const random = options.random ?? Math.random;
    this.#limits = options.batchLimits ?? DEFAULT_BATCH_LIMITS;
    this.#failedAttempts = options.failedAttempts ?? 0;
    this.#outbox = new OutboxFiles(mountDir);
    this.#book = new DeadLetterBook(mountDir, { now, log: options.log });
    this.#breaker = new Breaker(policy, now, options.log);
    this.#receipts = new ReceiptTracker(transport, {
      now,
      log: options.log,
      ...(options.receiptPollCapMs ? { pollCapMs: options.receiptPollCapMs } : {}),
      onVerdicts: (verdicts) => applyVerdicts(this.#parts, verdicts),
    });
    this.#parts = {
      mountDir,
      table: this.#table,
      book: this.#book,
      receipts: this.#receipts,
      outbox: this.#outbox,
      policy,
      now,
      random,
      reloadToken: () => options.reloadToken(),
      log: options.log,
      countFailedAttempt: () => this.#failedAttempts++,
      pauseForCredentials: () => this.#pauseForCredentials(),
      settle: (ops) => this.#settleOps(ops),
      deliveredAt: new Map(),
    };
    this.#sendContext = {
      transport,
      payloadOf: (op) => payloadOf(mountDir, op),
      baseRevisionOf: (path) => options.baseRevisionOf(path),
      serverAnswered: () => {
        if (!this.#breaker.answered()) return;
        this.#wakeRetries();
        for (const listener of this.#serverBack) listener();
      },
      serverFailed: (failure) => this.#breaker.failed(failure),
    };
    this.#loop = new SendLoop({
      plan: (slots) => {
        if (this.#awaitingCredentials || this.#folderGone || this.#breaker.isOpen()) return [];
        const due = probeOrAll(this.#table.due(now()), this.#breaker.probing());
        if (due.some((op) => op.kind === "delete") && !this.#folderStillThere()) return [];
        return planRequests(this.#table, due, slots, {
          limits: this.#limits,
          context: this.#sendContext,
          take: (results) => this.#take(results),
        });
      },
      nextWakeAt: (at) =>
        this.#awaitingCredentials || this.#folderGone
          ? undefined
          : nextWakeAt(this.#table.values(), at, (path) => this.#table.sending(path), this.#breaker.state),
      idle: (at) => this.#table.idle(at),
      blocked: () => this.#awaitingCredentials || this.#folderGone,
    }, now);
    this.#loop.onStopped(() => this.#deliveryWaiter?.());
  }

  /** Loads unsettled ops (a crash leaves them here; they replay with the same identity) and our dead letters. */
  async load(): Promise<void> {
    const { ops, problems } = await readOutbox(this.#mountDir);
    for (const problem of problems) {
      this.#options.log(`outbox: unreadable record kept: ${problem.file}: ${problem.message}`);
    }
    for (const op of ops) {
      if (op.state === "accepted" && op.receipt) this.#receipts.add(op);
      else this.#table.put(transition(op, { type: "recovered" }));
    }
    await this.#book.load();
  }

  counts(): QueueCounts {
    return {
      ...this.#table.counts(),
      deadLettered: this.#book.count,
      awaitingProvider: this.#receipts.count,
      failedAttempts: this.#failedAttempts,
    };
  }

  /** Why receipts cannot be read from this server, once that is known. */
  get receiptsUnavailable(): string | undefined {
    return this.#receipts.unavailable;
  }

  /** Ops on the server waiting for the provider's receipt, oldest first. */
  awaitingProvider(): WritebackOp[] {
    return this.#receipts.waiting();
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
    return this.#book.isDeadLettered(path, contentHash);
  }

  /** True when the path has a dead letter of ours (whatever its content). */
  hasDeadLetter(path: string): boolean {
    return this.#book.has(path);
  }

  /** The path's dead letter no longer stands for anything: discarded (logged with `why`), nothing sent. */
  discardDeadLetter(path: string, why: string): Promise<void> {
    return this.#book.discard(path, why);
  }

  /**
   * Persists ops for local changes (fsynced, before anything is sent), superseding unsent ops of the same paths,
   * then starts sending. A delete of a path that was never uploaded sends nothing: it only cancels the unsent create.
   */
  async enqueue(changes: LocalChange[]): Promise<void> {
    await persistChanges(this.#parts, changes, (path) => this.#options.baseRevisionOf(path));
    this.kick();
  }

  /**
   * Takes in ops that appeared in the outbox since it was loaded (`writeback retry` hands them over this way) and
   * returns how many. Ops this queue settled are not taken back.
   */
  async adoptFromDisk(): Promise<number> {
    const adopted = await adoptFromOutbox(this.#parts);
    if (adopted > 0) this.kick();
    return adopted;
  }

  /**
   * A write the server made for the mount outside the queue (`fs/merge`): its provider receipt is awaited like any
   * other accepted write's, once the server's op for it is found (`GET ops`, newest first). Without receipts, or
   * without the op, there is nothing to await.
   */
  async awaitServerWrite(write: { path: string; contentHash: string; baseRevision: string; revision: string }) {
    if (this.#receipts.unavailable) return;
    let serverOpId: string | undefined;
    try {
      const { items } = await this.#transport.listOps({ limit: 50 });
      serverOpId = items.find((item) => item.path === write.path && item.revision === write.revision)?.opId;
    } catch {
      return; // receipts are asked for again with the next accepted write; this one counts as delivered
    }
    if (!serverOpId) return;
    const now = this.#now();
    const op: WritebackOp = {
      ...newOp(
        { path: write.path, kind: "update", contentHash: write.contentHash, baseRevision: write.baseRevision },
        now,
        Math.random,
      ),
      state: "accepted",
      receipt: { serverOpId, acceptedAt: new Date(now).toISOString(), revision: write.revision },
    };
    await this.#outbox.write([op]);
    this.#receipts.add(op);
  }

  /** Drops the unsent op of a path (its bytes were kept by the caller, e.g. in a conflict copy). */
  async cancel(path: string): Promise<void> {
    const op = this.#table.opFor(path);
    if (op && op.state !== "in_flight") await this.#settleOps([op]);
  }

  /** A 401 that no re-read of the token source could fix: nothing is sent until `credentialsRenewed()`. */
  get awaitingCredentials(): boolean {
    return this.#awaitingCredentials;
  }

  /**
   * Calls `listener` each time the server answers again after an outage that paused writeback (the mount pulls then,
   * rather than when its own backed-off retry comes round).
   */
  whenServerIsBack(listener: () => void): void {
    this.#serverBack.push(listener);
  }

  /**
   * The server answered the mount's pull: a pause of writeback for an outage ends with a probe now, not at the end of
   * its cooldown (up to 30 s later).
   */
  serverAnsweredElsewhere(): void {
    if (!this.#breaker.heardFromServer()) return;
    this.#wakeRetries();
    this.kick();
  }

  /** The token source has a new token: writeback resumes. */
  credentialsRenewed(): void {
    if (!this.#awaitingCredentials) return;
    this.#awaitingCredentials = false;
    this.#options.log("writeback resumed: new credentials");
    this.kick();
  }

  /**
   * The next deliveries for the mount to take in, waiting for some; `undefined` once the queue is closed and has
   * handed out everything.
   */
  async nextDeliveries(): Promise<Delivery[] | undefined> {
    while (this.#deliveries.length === 0) {
      if (this.#loop.closed && !this.#loop.running) return undefined;
      await new Promise<void>((resolve) => this.#deliveryWaiter = resolve);
      this.#deliveryWaiter = undefined;
    }
    return this.#deliveries.splice(0);
  }

  /** The mount has taken these deliveries in: their paths are free again; they leave the outbox or await receipts. */
  async settle(deliveries: readonly Delivery[]): Promise<void> {
    await settleDelivered(this.#parts, deliveries);
    this.kick();
  }

  /** Starts a send pass now (or right after the running one). */
  kick(): void {
    this.#loop.kick();
  }

  /** Resolves true when nothing is due nor on its way (retries waiting and receipts do not count), else false. */
  drain(timeoutMs: number): Promise<boolean> {
    return this.#loop.drain(timeoutMs);
  }

  /** Stops sending and polling receipts; deliveries already made are still handed out by `nextDeliveries`. */
  async close(): Promise<void> {
    await this.#receipts.close();
    await this.#loop.close();
  }

  async #take(results: SendResult[]): Promise<void> {
    const delivered = await applyResults(this.#parts, results);
    if (delivered.length > 0) {
      this.#deliveries.push(...delivered);
      this.#deliveryWaiter?.();
    }
  }

  /** The server answers again after an outage: every op waiting for a retry goes out now. */
  #wakeRetries(): void {
    for (const op of this.#table.values()) {
      if (op.state === "retry_wait") this.#table.put(transition(op, { type: "woken" }));
    }
    this.#loop.wake();
  }

  #folderStillThere(): boolean {
    if (this.#options.folderPresent?.() ?? true) return true;
    this.#folderGone = true;
    this.#options.log("not sending: the mount folder was removed or replaced; its files look deleted, and are not");
    this.#loop.notifyIdle();
    return false;
  }

  #pauseForCredentials(): void {
    if (this.#awaitingCredentials) return;
    this.#awaitingCredentials = true;
    const renewal = this.#options.tokenRenewal ?? "give the mount a new token";
    this.#options.log(`writeback paused: the server refuses the token (401); queued changes are kept; ${renewal}`);
    this.#loop.notifyIdle();
  }

  /** Settled ops leave the table and the outbox. */
  async #settleOps(ops: readonly WritebackOp[]): Promise<void> {
    if (ops.length === 0) return;
    for (const op of ops) this.#table.drop(op);
    await this.#outbox.remove(ops);
    this.#loop.notifyIdle();
  }
}
