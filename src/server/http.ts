/** Responses in the reference's shapes: JSON with a trailing newline, errors as `{code, message, correlationId}`. */
import { type GenericSchema, safeParse } from "valibot";

export type ErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "precondition_failed"
  | "revision_conflict"
  | "invalid_state"
  | "merge_conflict"
  | "merge_ineligible"
  | "payload_too_large"
  | "rate_limited"
  | "internal_error"
  | "unavailable";

const STATUS_OF: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  precondition_failed: 412,
  revision_conflict: 409,
  invalid_state: 409,
  merge_conflict: 409,
  merge_ineligible: 422,
  payload_too_large: 413,
  rate_limited: 429,
  internal_error: 500,
  unavailable: 503,
};

/** A request the server refuses; thrown anywhere in a handler, answered with the error envelope. */
export class HttpProblem extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { extra?: Record<string, unknown>; headers?: Record<string, string>; status?: number } = {},
  ) {
    super(message);
    this.name = "HttpProblem";
    this.code = code;
    this.status = options.status ?? STATUS_OF[code];
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body) + "\n", {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

export function problemResponse(problem: HttpProblem, correlationId: string): Response {
  return jsonResponse(
    problem.status,
    { code: problem.code, message: problem.message, correlationId, ...problem.extra },
    problem.headers,
  );
}

/** The body, refused with 413 past `maxBytes` — by its declared length, or while it streams in. */
export async function readBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () =>
    new HttpProblem("payload_too_large", "request body exceeds configured limit", {
      extra: { maxBodyBytes: maxBytes },
    });
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) {
    await request.body?.cancel();
    throw tooLarge();
  }
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of request.body) {
    total += chunk.length;
    if (total > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}

/**
 * A JSON body that matches `schema`: 400 `invalid json body` when it is not a JSON object, 400 `invalidMessage`
 * when it is one of the wrong shape.
 */
export async function readJsonBody<T>(
  request: Request,
  maxBytes: number,
  schema: GenericSchema<unknown, T>,
  invalidMessage: string,
): Promise<T> {
  const bytes = await readBody(request, maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new HttpProblem("bad_request", "invalid json body");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new HttpProblem("bad_request", "invalid json body");
  }
  const parsed = safeParse(schema, value);
  if (!parsed.success) throw new HttpProblem("bad_request", invalidMessage);
  return parsed.output;
}

/** `If-Match` as the reference reads it: trimmed, without a `W/` prefix or one pair of quotes. */
export function normalizeIfMatch(value: string | null | undefined): string {
  let text = (value ?? "").trim();
  if (text.startsWith("W/") || text.startsWith("w/")) text = text.slice(2);
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) text = text.slice(1, -1);
  return text.trim();
}

/** An integer query parameter clamped to `[min, max]`, or the default when absent or not a number. */
export function intParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const value = Number.parseInt(url.searchParams.get(name) ?? "", 10);
  return Number.isNaN(value) ? fallback : Math.min(max, Math.max(min, value));
}
