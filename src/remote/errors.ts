/** What a relayfile request can fail with: an HTTP answer, or none at all. The queue classifies these, never text. */

export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  /** From `Retry-After` (seconds or an HTTP date), when the server sent one. */
  readonly retryAfterMs: number | undefined;
  /** The first KiB of the body, for dead-letter records (redacted there). */
  readonly body: string;
  readonly opId: string | undefined;

  constructor(
    status: number,
    init: { code?: string; message?: string; retryAfterMs?: number | undefined; body?: string; opId?: string },
  ) {
    super(init.message || `server answered ${status}`);
    this.name = "HttpError";
    this.status = status;
    this.code = init.code ?? "";
    this.retryAfterMs = init.retryAfterMs;
    this.body = init.body ?? "";
    this.opId = init.opId;
  }
}

/** No HTTP answer: connection refused or dropped, DNS, timeout, or the request was stopped on purpose. */
export class NetworkError extends Error {
  /** The request ran past its timeout. */
  readonly timedOut: boolean;
  /** The client was stopped (the mount is shutting down): not a failure of the server nor of the request. */
  readonly stopped: boolean;

  constructor(message: string, options: { cause?: unknown; timedOut?: boolean; stopped?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.name = "NetworkError";
    this.timedOut = options.timedOut ?? false;
    this.stopped = options.stopped ?? false;
  }
}

/** A 2xx answer whose body is not the document the protocol promises. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtocolError";
  }
}

/** `Retry-After` in seconds or as an HTTP date, relative to `now`; `undefined` when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
