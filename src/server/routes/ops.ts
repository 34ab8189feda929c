/** `GET …/ops/{opId}`, `GET …/ops` and `GET …/sync/status` (spec §1.7.9, §1.7.10). */
import type { RequestContext } from "../context.ts";
import { HttpProblem, intParam, jsonResponse } from "../http.ts";
import { scopeAllows } from "../../protocol/scopes.ts";
import type { StoredOp } from "../store.ts";

/** An op of a path the token may not read is as good as absent: a folder-scoped token never learns other paths. */
function visible(context: RequestContext, op: StoredOp): boolean {
  return op.path === "" || scopeAllows(context.principal.scopes, "fs:read", op.path);
}

export function getOp(context: RequestContext, opId: string): Response {
  const op = context.store.ops.get(context.workspace, opId);
  if (!op || !visible(context, op)) throw new HttpProblem("not_found", "operation not found");
  return jsonResponse(200, op);
}

export function listOps(context: RequestContext): Response {
  const { url } = context;
  const page = context.store.ops.list(context.workspace, {
    status: url.searchParams.get("status") ?? "",
    action: url.searchParams.get("action") ?? "",
    provider: url.searchParams.get("provider") ?? "",
    cursor: url.searchParams.get("cursor") ?? "",
    limit: intParam(url, "limit", 50, 1, 200),
  });
  if (!page) throw new HttpProblem("bad_request", "invalid cursor");
  return jsonResponse(200, { ...page, items: page.items.filter((op) => visible(context, op)) });
}

export function syncStatus(context: RequestContext): Response {
  const providers = new Set(context.store.listFiles(context.workspace, "/").map((file) => file.provider));
  const failed = context.store.ops.list(context.workspace, { status: "dead_lettered", limit: 200 })?.items ?? [];
  return jsonResponse(200, {
    workspaceId: context.workspace,
    providers: [...providers].filter(Boolean).sort().map((provider) => ({
      provider,
      status: "ready",
      lagSeconds: 0,
      deadLetteredOps: failed.filter((op) => op.provider === provider).length,
    })),
  });
}
