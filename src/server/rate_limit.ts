/** The reference's optional fixed-window limiter, keyed by workspace and agent (spec §1.4). Time is injected. */

export interface RateLimit {
  max: number;
  windowMs: number;
}

/** `100/1m`, `2/60s`, `10/500ms` → a limit; `undefined` when malformed. */
export function parseRateLimit(
  text: string,
  parseDuration: (text: string) => number | undefined,
): RateLimit | undefined {
  const match = /^(\d+)\/(.+)$/.exec(text.trim());
  if (!match) return undefined;
  const max = Number(match[1]);
  const windowMs = parseDuration(match[2]!);
  return max > 0 && windowMs !== undefined && windowMs > 0 ? { max, windowMs } : undefined;
}

export class FixedWindowLimiter {
  readonly #limit: RateLimit;
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(limit: RateLimit) {
    this.#limit = limit;
  }

  /** `undefined` when the request may go ahead; otherwise the seconds until the window resets (at least 1). */
  take(key: string, now: number): number | undefined {
    let window = this.#windows.get(key);
    if (!window || now - window.start >= this.#limit.windowMs) {
      window = { start: now, count: 0 };
      this.#windows.set(key, window);
    }
    window.count++;
    if (window.count <= this.#limit.max) return undefined;
    return Math.max(1, Math.ceil((window.start + this.#limit.windowMs - now) / 1000));
  }
}
