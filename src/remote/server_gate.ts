/**
 * One per server, shared by the clients of a mount (its reads and its writes): when the server says to wait — 429,
 * or 503 with `Retry-After` — no request of either kind goes until then, so a rate limit is met by waiting once
 * instead of by every request finding it again. Time is injected; the wait ends early when the signal aborts.
 */
import { setTimeout as delay } from "node:timers/promises";

/** How long to hold when the server says 429 without saying how long. */
const HOLD_WITHOUT_RETRY_AFTER_MS = 1_000;
/** A `Retry-After` longer than this is taken as this: a mount re-asks rather than sleeping for an hour. */
const LONGEST_HOLD_MS = 60_000;

export interface GateClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const REAL_CLOCK: GateClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : {}),
};

export class ServerGate {
  readonly #clock: GateClock;
  readonly #onHold: ((ms: number) => void) | undefined;
  #openAt = 0;

  /** `onHold`: told once each time the gate closes (not when a closed gate is held longer). */
  constructor(clock: GateClock = REAL_CLOCK, onHold?: (ms: number) => void) {
    this.#clock = clock;
    this.#onHold = onHold;
  }

  /** Resolves when a request may go: at once, or when the server's pause is over. Rejects when `signal` aborts. */
  async pass(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const wait = this.#openAt - this.#clock.now();
      if (wait <= 0) return;
      await this.#clock.sleep(wait, signal);
    }
  }

  /** The server answered `status` with this `Retry-After` (ms, when it gave one). */
  answered(status: number, retryAfterMs: number | undefined): void {
    if (status !== 429 && !(status === 503 && retryAfterMs !== undefined)) return;
    const hold = Math.min(LONGEST_HOLD_MS, Math.max(0, retryAfterMs ?? HOLD_WITHOUT_RETRY_AFTER_MS));
    const now = this.#clock.now();
    const wasOpen = this.#openAt <= now;
    this.#openAt = Math.max(this.#openAt, now + hold);
    if (wasOpen && hold > 0) this.#onHold?.(hold);
  }

  get isHolding(): boolean {
    return this.#openAt > this.#clock.now();
  }
}
