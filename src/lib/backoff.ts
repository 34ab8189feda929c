/** The one backoff of the project, pure: an exponential ceiling, and full jitter under it. */

export interface Backoff {
  baseMs: number;
  capMs: number;
}

/** `min(cap, base · 2^(attempt−1))`: the longest wait before attempt `attempt + 1` (attempt counts from 1). */
export function ceilingMs(backoff: Backoff, attempt: number): number {
  return Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.max(0, attempt - 1));
}

/** Full jitter: a uniform delay in [0, ceiling), from `random` in [0, 1). */
export function backoffMs(backoff: Backoff, attempt: number, random: number): number {
  return Math.floor(random * ceilingMs(backoff, attempt));
}
