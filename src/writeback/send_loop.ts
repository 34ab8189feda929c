/**
 * When the queue sends: a pass starts on `kick()` (or when a timer says the next op is due), keeps up to
 * BATCHES_IN_FLIGHT requests going, and takes in newly due ops as each finishes; `drain()` waits until nothing is
 * due nor on its way. What to send and what the answers mean are the queue's.
 */
import { LONGEST_TIMER_MS } from "../lib/duration.ts";

/** Bulk batches in flight at once: the next batch's request overlaps the previous one's answer. */
const BATCHES_IN_FLIGHT = 2;

export interface SendWork {
  /**
   * What to send now: at most `batchSlots` bulk batches, plus the deletes due; each returned send has already marked
   * its ops in flight. Empty while sending is paused.
   */
  plan(batchSlots: number): { kind: "batch" | "deletes"; send: () => Promise<void> }[];
  /** When the next op becomes due, if any (and sending is not paused indefinitely). */
  nextWakeAt(now: number): number | undefined;
  /** Nothing is due and nothing is on its way. */
  idle(now: number): boolean;
  /** Sending cannot go on until something outside changes (new credentials): `drain()` stops waiting. */
  blocked(): boolean;
}

export class SendLoop {
  readonly #work: SendWork;
  readonly #now: () => number;
  #flushing: Promise<void> | undefined;
  #again = false;
  #wake: (() => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #idleWaiters: (() => void)[] = [];
  #onStopped: (() => void) | undefined;

  constructor(work: SendWork, now: () => number) {
    this.#work = work;
    this.#now = now;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** True while a pass runs (sends may still report outcomes). */
  get running(): boolean {
    return this.#flushing !== undefined;
  }

  /** Called once when the loop is closed and its last pass has ended. */
  onStopped(listener: () => void): void {
    this.#onStopped = listener;
  }

  /** Starts a send pass now (or right after the running one). */
  kick(): void {
    if (this.#closed) return;
    if (this.#flushing) {
      this.#again = true;
      this.#wake?.();
      return;
    }
    this.#flushing = this.#pass().finally(() => {
      this.#flushing = undefined;
      this.#schedule();
      this.notifyIdle();
      if (this.#closed) this.#onStopped?.();
    });
  }

  /** A running pass looks again at once (an outage ended: waiting ops are due now). */
  wake(): void {
    this.#wake?.();
  }

  /** Wakes `drain()` callers when there is nothing left to wait for. */
  notifyIdle(): void {
    if (this.#work.idle(this.#now()) || this.#work.blocked()) this.#idleWaiters.splice(0).forEach((wake) => wake());
  }

  /** Resolves true when nothing is due nor on its way (ops waiting for a retry do not count), false after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = this.#now() + timeoutMs;
    while (this.#now() < deadline) {
      if (!this.#flushing && this.#work.idle(this.#now())) return true;
      if (this.#work.blocked()) return false;
      this.kick();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, Math.min(100, deadline - this.#now())));
        this.#idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.#work.idle(this.#now());
  }

  /** Stops sending; waits for the pass in progress. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#flushing) await this.#flushing;
    else this.#onStopped?.();
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
    const now = this.#now();
    const wakeAt = this.#work.nextWakeAt(now);
    if (wakeAt === undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.kick();
    }, Math.min(LONGEST_TIMER_MS, Math.max(0, wakeAt - now)));
  }

  async #pass(): Promise<void> {
    const sending = new Set<Promise<void>>();
    let batches = 0;
    for (;;) {
      if (!this.#closed) {
        for (const request of this.#work.plan(BATCHES_IN_FLIGHT - batches)) {
          if (request.kind === "batch") batches++;
          const tracked: Promise<void> = request.send().finally(() => {
            sending.delete(tracked);
            if (request.kind === "batch") batches--;
          });
          sending.add(tracked);
        }
      }
      if (sending.size === 0) return;
      // A request finishing, or kick() (new ops), is a reason to look again.
      await Promise.race([...sending, new Promise<void>((resolve) => this.#wake = resolve)]);
      this.#wake = undefined;
    }
  }
}
