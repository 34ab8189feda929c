/** `GET|PUT|DELETE …/fs/file?path=P` with the reference's If-Match rules (spec §1.7.2–1.7.4, §1.8). */
import { contentPreview, decodeWireContent, DEFAULT_CONTENT_TYPE, fileDocument } from "../content.ts";
import type { RequestContext } from "../context.ts";
import { WriteFileBodySchema } from "../bodies.ts";
import { HttpProblem, jsonResponse, normalizeIfMatch, readJsonBody } from "../http.ts";
import { invalidPathReason, normalizeStorePath } from "../paths.ts";
import { providerOutcome } from "../provider.ts";
import type { Change, StoredFile, WriteContext } from "../store.ts";

export function readFile(context: RequestContext): Response {
  const path = requiredPath(context.url);
  const file = context.store.getFile(context.workspace, path);
  if (!file) throw new HttpProblem("not_found", "file not found");
  return jsonResponse(200, fileDocument(file), { etag: file.revision });
}

export async function writeFile(context: RequestContext): Promise<Response> {
  const path = requiredPath(context.url);
  const ifMatch = requiredIfMatch(context.request);
  rejectInvalidPath(path);
  const body = await readJsonBody(context.request, context.maxBodyBytes, WriteFileBodySchema, "invalid input");
  const { content, encoding } = decodeWireContent(body.content, body.encoding);
  const contentType = body.contentType?.trim() || DEFAULT_CONTENT_TYPE;
  const change = context.store.transaction(() => {
    const existing = context.store.getFile(context.workspace, path);
    if (!existing && ifMatch !== "0" && ifMatch !== "*") throw new HttpProblem("not_found", "file not found");
    if (existing && ifMatch !== "*" && ifMatch !== existing.revision) throw conflict(ifMatch, existing);
    return context.store.writeFile(context.workspace, { path, contentType, content, encoding }, writeContext(context));
  });
  return queued(context, change);
}

export function deleteFile(context: RequestContext): Response {
  const path = requiredPath(context.url);
  const ifMatch = requiredIfMatch(context.request);
  const change = context.store.transaction(() => {
    const existing = context.store.getFile(context.workspace, path);
    if (!existing) throw new HttpProblem("not_found", "file not found");
    if (ifMatch !== "*" && ifMatch !== existing.revision) throw conflict(ifMatch, existing);
    return context.store.deleteFile(context.workspace, existing, writeContext(context));
  });
  return queued(context, change);
}

/** 202 `WriteQueuedResponse`: the server has the write; its op says what the provider made of it (so far). */
function queued(context: RequestContext, change: Change): Response {
  context.hub.publish(context.workspace, [change.event]);
  return jsonResponse(202, {
    opId: change.op.opId,
    status: "queued",
    targetRevision: change.file?.revision ?? change.event.revision,
    writeback: { provider: change.op.provider, state: change.op.status },
  }, { "x-relayfile-op-id": change.op.opId });
}

export function conflict(expected: string, current: StoredFile): HttpProblem {
  const preview = contentPreview(current.content);
  return new HttpProblem("revision_conflict", "revision conflict", {
    extra: {
      expectedRevision: expected,
      currentRevision: current.revision,
      ...(preview ? { currentContentPreview: preview } : {}),
    },
  });
}

export function writeContext(context: RequestContext): WriteContext {
  return {
    correlationId: context.correlationId,
    now: context.now(),
    opOutcome: (path) => providerOutcome(context.provider, path),
  };
}

function requiredPath(url: URL): string {
  const raw = url.searchParams.get("path");
  if (raw === null || raw.trim() === "") throw new HttpProblem("bad_request", "missing path");
  return normalizeStorePath(raw.trim());
}

function requiredIfMatch(request: Request): string {
  const ifMatch = normalizeIfMatch(request.headers.get("if-match"));
  if (!ifMatch) throw new HttpProblem("precondition_failed", "missing If-Match header");
  return ifMatch;
}

function rejectInvalidPath(path: string): void {
  const reason = invalidPathReason(path);
  if (reason) throw new HttpProblem("bad_request", `invalid path: ${reason}`);
}
