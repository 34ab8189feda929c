/**
 * What a failed writeback attempt means and what the user should do about it (design.md, classification table).
 * Pure: from the HTTP status (0 = network error or timeout) and an optional per-file error code.
 */

export const CLASSIFICATIONS = [
  "transient",
  "unauthorized",
  "conflict",
  "forbidden",
  "invalid_payload",
  /** The server took the write; the provider refused it (its receipt said so). */
  "provider",
  "unknown",
] as const;
export type Classification = typeof CLASSIFICATIONS[number];

export const NEXT_ACTIONS = ["retry", "reauth", "resolve-conflict", "contact-admin", "fix-payload", "inspect"] as const;
export type NextAction = typeof NEXT_ACTIONS[number];

const INVALID_CODES = new Set([
  "schema_validation_failed",
  "schema_violation",
  "bad_request",
  "payload_too_large",
  "not_found",
]);
/** Codes of the Go dead-letter sidecar (spec §5.1) that mean "gave up on a transient failure". */
const TRANSIENT_CODES = new Set(["provider_5xx_exhausted", "timeout", "rate_limited", "unavailable"]);
const TRANSIENT_STATUSES = new Set([0, 408, 425, 429]);
const INVALID_STATUSES = new Set([400, 404, 413, 422]);

export function classifyFailure(status: number, code?: string): Classification {
  if (code === "conflict" || code === "revision_conflict") return "conflict";
  if (code !== undefined && TRANSIENT_CODES.has(code)) return "transient";
  if (code === "forbidden") return "forbidden";
  if (code !== undefined && (code.startsWith("invalid_") || INVALID_CODES.has(code))) return "invalid_payload";
  // Status 0 is "no answer" only when nothing else is known; a code without a status (`provider_4xx`) is too vague.
  if (status === 0 && code !== undefined) return "unknown";
  if (TRANSIENT_STATUSES.has(status) || (status >= 500 && status <= 599)) return "transient";
  if (status === 401) return "unauthorized";
  if (status === 409 || status === 412) return "conflict";
  if (status === 403) return "forbidden";
  if (INVALID_STATUSES.has(status)) return "invalid_payload";
  return "unknown";
}

export function nextActionFor(classification: Classification): NextAction {
  switch (classification) {
    case "transient":
      return "retry";
    case "unauthorized":
      return "reauth";
    case "conflict":
      return "resolve-conflict";
    case "forbidden":
      return "contact-admin";
    case "invalid_payload":
      return "fix-payload";
    case "provider":
      return "retry";
    case "unknown":
      return "inspect";
  }
}
