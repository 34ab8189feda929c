/**
 * The provider consumer's routes (reference v0.10.46): `GET writeback/pending` lists the ops still waiting for the
 * provider, `POST writeback/{opId}/ack` records its answer, and `POST ops/{opId}/replay` sends a dead-lettered op to
 * the provider again.
 */
import * as v from "valibot";
import type { RequestContext } from "../context.ts";
import { HttpProblem, jsonResponse, readJsonBody } from "../http.ts";
import { providerOutcome } from "../provider.ts";

const AckBodySchema = v.object({
  success: v.boolean(),
  error: v.optional(v.string()),
  externalId: v.optional(v.string()),
  canonicalPath: v.optional(v.string()),
  providerResult: v.optional(v.record(v.string(), v.unknown())),
});

export function pendingWritebacks(context: RequestContext): Response {
  const items = context.store.ops.pending(context.workspace).map((op) => ({
    id: op.opId,
    workspaceId: context.workspace,
    path: op.path,
    revision: op.revision,
    correlationId: op.correlationId,
  }));
  return jsonResponse(200, items);
}

export async function acknowledge(context: RequestContext, opId: string): Promise<Response> {
  const ack = await readJsonBody(context.request, context.maxBodyBytes, AckBodySchema, "success must be a boolean");
  const op = context.store.transaction(() =>
    context.store.ops.acknowledge(context.workspace, opId, {
      success: ack.success,
      ...(ack.error !== undefined ? { error: ack.error } : {}),
      ...(ack.providerResult ? { providerResult: ack.providerResult } : {}),
    }, context.now())
  );
  if (!op) throw new HttpProblem("not_found", "operation not found");
  return jsonResponse(200, {
    status: "acknowledged",
    id: opId,
    correlationId: context.correlationId,
    success: ack.success,
  });
}

export function replay(context: RequestContext, opId: string): Response {
  context.store.transaction(() => {
    const op = context.store.ops.get(context.workspace, opId);
    if (!op) throw new HttpProblem("not_found", "operation not found");
    if (op.status !== "dead_lettered") {
      throw new HttpProblem("invalid_state", `operation is ${op.status}, not dead_lettered`);
    }
    context.store.ops.replay(context.workspace, op, providerOutcome(context.provider, op.path), context.now());
  });
  return jsonResponse(202, { status: "queued", id: opId, correlationId: context.correlationId });
}
