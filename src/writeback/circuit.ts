/**
 * A per-server circuit breaker, pure (time passed in): after `threshold` consecutive transient failures the circuit
 * opens and nothing is sent until a cooldown has passed; then one request probes. The cooldown doubles with each
 * failed probe, up to `capMs`, so a recovered server is noticed within one backoff step.
 */
import { ceilingMs } from "../lib/backoff.ts";

export interface CircuitState {
  consecutiveFailures: number;
  /** When sending may resume; 0 when closed. */
  openUntil: number;
  /** How many times in a row the circuit opened (sets the cooldown). */
  openings: number;
}

export const CLOSED: CircuitState = { consecutiveFailures: 0, openUntil: 0, openings: 0 };

export interface CircuitOptions {
  threshold: number;
  baseMs: number;
  capMs: number;
}

export function isOpen(state: CircuitState, now: number): boolean {
  return state.openUntil > now;
}

/** After a transient failure (no answer, 408, 425, 429, 5xx): maybe opens the circuit. */
export function recordFailure(state: CircuitState, now: number, options: CircuitOptions): CircuitState {
  const consecutiveFailures = state.consecutiveFailures + 1;
  if (consecutiveFailures < options.threshold) return { ...state, consecutiveFailures };
  const cooldown = ceilingMs(options, state.openings + 1);
  return { consecutiveFailures, openUntil: now + cooldown, openings: state.openings + 1 };
}

/** The cooldown ends now (an open circuit becomes half-open: the next round probes). */
export function endCooldown(state: CircuitState, now: number): CircuitState {
  return isOpen(state, now) ? { ...state, openUntil: now } : state;
}

/** After any answer that is not a transient failure: the server is there. */
export function recordSuccess(_state: CircuitState): CircuitState {
  return CLOSED;
}
