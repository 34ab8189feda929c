/**
 * `POST …/fs/merge?path=P` (reference v0.10.46, strategy `three-way-lines-v1`): the caller's content is merged with
 * the live file against the base it started from, and written when the two changed different lines — 200 with the
 * new revision; 409 `merge_conflict` with the ranges both changed, nothing written; 422 `merge_ineligible` for what
 * a line merge cannot take (another strategy, binary or oversized content, a file that is gone). A repeated
 * `contentIdentity` returns the first merge's answer. Unlike the reference, the base is not checked against a
 * record of past revisions (this server keeps none): a caller that lies about its base only merges against it.
 */
import { MERGE_MAX_BYTES, MERGE_STRATEGY, mergeLines } from "../../protocol/merge.ts";
import type { RequestContext } from "../context.ts";
import { MergeBodySchema } from "../bodies.ts";
import { HttpProblem, jsonResponse, readJsonBody } from "../http.ts";
import { normalizeStorePath } from "../paths.ts";
import { writeContext } from "./files.ts";

const IDENTITY_TTL_S = 7 * 86_400;

export async function mergeFile(context: RequestContext): Promise<Response> {
  const raw = context.url.searchParams.get("path")?.trim();
  if (!raw) throw new HttpProblem("bad_request", "missing path query");
  const path = normalizeStorePath(raw);
  const body = await readJsonBody(context.request, context.maxBodyBytes, MergeBodySchema, "invalid input");
  const ineligible = (reason: string) =>
    new HttpProblem("merge_ineligible", `merge ineligible: ${reason}`, { extra: { reason } });
  if (body.strategy !== MERGE_STRATEGY) throw ineligible(`unsupported strategy "${body.strategy}"`);
  const encoder = new TextEncoder();
  if (
    encoder.encode(body.content).length > MERGE_MAX_BYTES || encoder.encode(body.baseContent).length > MERGE_MAX_BYTES
  ) {
    throw ineligible("content exceeds merge size limit");
  }
  const now = context.now();
  const { result, event } = context.store.transaction(() => {
    const identity = body.contentIdentity;
    if (identity) {
      const earlier = context.store.findIdentity(context.workspace, identity.kind, identity.key, now.getTime());
      if (earlier) return { result: earlier as Record<string, unknown>, event: undefined };
    }
    const live = context.store.getFile(context.workspace, path);
    if (!live) throw ineligible("live file no longer exists");
    if (live.encoding !== "") throw ineligible("live content is not text");
    const merged = mergeLines(body.baseContent, body.content, live.content);
    if (merged.kind === "conflict") {
      throw new HttpProblem(
        "merge_conflict",
        `merge conflict: ${merged.conflicts.length} unit(s) concurrently changed`,
        { extra: { currentRevision: live.revision, conflicts: merged.conflicts } },
      );
    }
    const contentType = body.contentType?.trim() || live.contentType;
    const change = context.store.writeFile(
      context.workspace,
      { path, contentType, content: merged.text, encoding: "" },
      writeContext(context),
    );
    const result = {
      targetRevision: change.file!.revision,
      strategy: MERGE_STRATEGY,
      baseRevision: body.baseRevision,
      mergedAgainstRevision: live.revision,
    };
    if (identity) {
      const ttl = Math.min(identity.ttlSeconds ?? IDENTITY_TTL_S, IDENTITY_TTL_S);
      context.store.saveIdentity(context.workspace, identity.kind, identity.key, now.getTime() + ttl * 1000, result);
    }
    return { result, event: change.event };
  });
  if (event) context.hub.publish(context.workspace, [event]);
  return jsonResponse(200, result);
}
