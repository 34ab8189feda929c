/**
 * The per-server circuit breaker of the live queue (state in `circuit.ts`, pure): after a few transient failures in
 * a row nothing is sent for a while, then one round probes; it says when the server was serving until a failure
 * (the failure may then be the op's, not the server's) and when it answers again after an outage. Logged once per
 * opening and once per recovery.
 */
import type { Log } from "../lib/log.ts";
import { type CircuitState, CLOSED, endCooldown, isOpen, recordFailure, recordSuccess } from "./circuit.ts";
import type { Failure } from "./policy.ts";

/** Consecutive transient failures that open the circuit, and the longest pause between probes. */
const THRESHOLD = 5;
const CAP_MS = 30_000;

export class Breaker {
  readonly #backoff: { baseMs: number; capMs: number };
  readonly #now: () => number;
  readonly #log: Log;
  #state: CircuitState = CLOSED;
  #probedEarly = false;

  constructor(backoff: { baseMs: number; capMs: number }, now: () => number, log: Log) {
    this.#backoff = { baseMs: backoff.baseMs, capMs: Math.min(backoff.capMs, CAP_MS) };
    this.#now = now;
    this.#log = log;
  }

  get state(): CircuitState {
    return this.#state;
  }

  isOpen(): boolean {
    return isOpen(this.#state, this.#now());
  }

  /** Half-open: the cooldown is over but the server has not answered since the circuit opened; one op probes. */
  probing(): boolean {
    return this.#state.openings > 0 && !this.isOpen();
  }

  /** The server answered (whatever it said). True when it had been failing long enough to open: it is back. */
  answered(): boolean {
    const recovered = this.#state.openings > 0;
    if (recovered) this.#log("writeback resumed: the server answers again");
    this.#state = recordSuccess(this.#state);
    this.#probedEarly = false;
    return recovered;
  }

  /**
   * Another request to the server (a pull) went through while the circuit is open: the cooldown ends now, so the
   * next round probes. Once per outage: a server that answers reads but fails writes costs one probe more, not one
   * per pull. True when it ended the cooldown.
   */
  heardFromServer(): boolean {
    if (!this.isOpen() || this.#probedEarly) return false;
    this.#probedEarly = true;
    this.#state = endCooldown(this.#state, this.#now());
    return true;
  }

  /** No answer, or 408/425/429/5xx. True when the server was serving until this failure (no failure streak). */
  failed(failure: Failure): boolean {
    const wasServing = this.#state.consecutiveFailures === 0;
    const wasOpen = this.#state.openings > 0;
    this.#state = recordFailure(this.#state, this.#now(), { threshold: THRESHOLD, ...this.#backoff });
    if (!wasOpen && this.#state.openings > 0) {
      this.#log(
        `writeback paused: the server keeps failing (${failure.status || "no answer"} ${failure.message}); ` +
          "probing with backoff, queued changes are kept",
      );
    }
    return wasServing;
  }
}
