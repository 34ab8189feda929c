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

/**
 * Why a request got no answer, from what `fetch` threw (the reason is in its `cause` chain): connection refused,
 * unknown host, TLS, reset — or the innermost message when it is none of these.
 */
export function fetchFailureReason(error: unknown): string {
  const messages: string[] = [];
  for (let current = error; current instanceof Error; current = current.cause) messages.push(current.message);
  const all = messages.join(" | ");
  if (/connection refused|ECONNREFUSED/i.test(all)) return "connection refused: is the server running on that port?";
  if (/dns error|failed to lookup|name or service not known|no address associated|ENOTFOUND/i.test(all)) {
    return "unknown host";
  }
  if (/certificate|tls|ssl|corrupt message|handshake/i.test(all)) return `TLS failed (${lastClause(messages)})`;
  if (/connection reset|ECONNRESET|broken pipe/i.test(all)) return "the connection was reset";
  if (/requests to port \d+ are blocked/i.test(all)) return lastClause(messages);
  return lastClause(messages);
}

/** The most specific part of the innermost message: `…: tcp connect error: X (os error 111)` → `X`. */
function lastClause(messages: string[]): string {
  const innermost = messages.at(-1) ?? "no answer";
  return innermost.replace(/^.*\): /, "").replace(/ \(os error \d+\)$/, "").replace(/^client error \(\w+\): /, "");
}
