/**
 * `POST …/fs/bulk` — the mount's write path — and `POST …/fs/bulk-read`. Per-file outcomes, never a whole-request
 * failure for one bad file (spec §1.7.5, §5.2): per-file `ifMatch` gives a per-file `conflict`, a repeated
 * `contentIdentity` returns the first write's result instead of writing again.
 */
import { decodeWireContent, DEFAULT_CONTENT_TYPE, fileContent } from "../content.ts";
import type { RequestContext } from "../context.ts";
import * as v from "valibot";
import { bulkFileErrorCode, BulkFileSchema, BulkReadBodySchema, BulkWriteBodySchema } from "../bodies.ts";
import { HttpProblem, jsonResponse, normalizeIfMatch, readJsonBody } from "../http.ts";
import { invalidPathReason, normalizeStorePath } from "../paths.ts";
import { scopeAllows } from "../../protocol/scopes.ts";
import type { StoredEvent } from "../store.ts";
import { writeContext } from "./files.ts";

const DEFAULT_IDENTITY_TTL_S = 7 * 86_400;
const MAX_IDENTITY_TTL_S = 30 * 86_400;
const MAX_BULK_READ_PATHS = 256;

interface BulkError {
  path: string;
  code: string;
  message: string;
  expectedRevision?: string;
  currentRevision?: string;
}

export async function bulkWrite(context: RequestContext): Promise<Response> {
  const { files } = await readJsonBody(context.request, context.maxBodyBytes, BulkWriteBodySchema, "missing files");
  const results: Record<string, unknown>[] = [];
  const errors: BulkError[] = [];
  const events: StoredEvent[] = [];
  context.store.transaction(() => {
    for (const raw of files) {
      const outcome = writeOne(context, raw);
      if ("error" in outcome) errors.push(outcome.error);
      else {
        results.push(outcome.result);
        if (outcome.event) events.push(outcome.event);
      }
    }
  });
  context.hub.publish(context.workspace, events);
  return jsonResponse(202, {
    written: results.length,
    errorCount: errors.length,
    errors,
    results,
    correlationId: context.correlationId,
  });
}

type Outcome = { error: BulkError } | { result: Record<string, unknown>; event?: StoredEvent };

function writeOne(context: RequestContext, raw: unknown): Outcome {
  const rawPath = raw !== null && typeof raw === "object" && "path" in raw && typeof raw.path === "string"
    ? raw.path.trim()
    : "";
  const fail = (code: string, message: string, extra: Partial<BulkError> = {}): Outcome => ({
    error: { path: rawPath, code, message, ...extra },
  });
  const parsed = v.safeParse(BulkFileSchema, raw);
  if (!parsed.success) {
    const { code, message } = bulkFileErrorCode(parsed.issues);
    return fail(code, message);
  }
  const file = parsed.output;
  const path = normalizeStorePath(rawPath);
  const invalid = invalidPathReason(path);
  if (invalid) return fail("invalid_path", invalid);
  if (!scopeAllows(context.principal.scopes, "fs:write", path)) {
    return fail("forbidden", "missing required scope: fs:write");
  }
  let decoded: ReturnType<typeof decodeWireContent>;
  try {
    decoded = decodeWireContent(file.content, file.encoding);
  } catch {
    return fail("invalid_encoding", "invalid input");
  }
  const identity = file.contentIdentity && {
    kind: file.contentIdentity.kind,
    key: file.contentIdentity.key,
    ttlSeconds: Math.min(file.contentIdentity.ttlSeconds ?? DEFAULT_IDENTITY_TTL_S, MAX_IDENTITY_TTL_S),
  };
  const now = context.now();
  if (identity) {
    const earlier = context.store.findIdentity(context.workspace, identity.kind, identity.key, now.getTime());
    if (earlier) return { result: earlier as Record<string, unknown> };
  }
  const ifMatch = normalizeIfMatch(file.ifMatch);
  const existing = context.store.getFile(context.workspace, path);
  const conflicted = ifMatch === "0"
    ? existing !== undefined
    : ifMatch !== "" && ifMatch !== "*" && existing?.revision !== ifMatch;
  if (conflicted) {
    const current = existing?.revision ?? "";
    return fail("conflict", `expected revision "${ifMatch}" but current revision is "${current}"`, {
      expectedRevision: ifMatch,
      currentRevision: current,
    });
  }
  const contentType = file.contentType?.trim() || DEFAULT_CONTENT_TYPE;
  const change = context.store.writeFile(context.workspace, { path, contentType, ...decoded }, writeContext(context));
  const result = {
    path,
    revision: change.file!.revision,
    contentType,
    opId: change.op.opId,
    ...(identity ? { contentIdentity: identity } : {}),
    writeback: { provider: change.op.provider, state: change.op.status },
  };
  if (identity) {
    const expiresAt = now.getTime() + identity.ttlSeconds * 1000;
    context.store.saveIdentity(context.workspace, identity.kind, identity.key, expiresAt, result);
  }
  return { result, event: change.event };
}

/** `{"paths":[…]}` → `{"files":[…]}`, one entry per path in order, each the file or its own `error`. */
export async function bulkRead(context: RequestContext): Promise<Response> {
  const { paths } = await readJsonBody(
    context.request,
    context.maxBodyBytes,
    BulkReadBodySchema,
    "paths must be a non-empty array of strings",
  );
  if (paths.length > MAX_BULK_READ_PATHS) {
    throw new HttpProblem("bad_request", `at most ${MAX_BULK_READ_PATHS} paths per bulk read`);
  }
  const files = paths.map((raw) => {
    const path = normalizeStorePath(raw.trim());
    const error = (status: number, code: string, message: string) => ({ path: raw, error: { status, code, message } });
    if (!scopeAllows(context.principal.scopes, "fs:read", path)) return error(403, "forbidden", "file access denied");
    const file = context.store.getFile(context.workspace, path);
    if (!file) return error(404, "not_found", "not found");
    return fileContent(file);
  });
  return jsonResponse(200, { files });
}
