/** `GET …/fs/events`, the change feed with the reference's cursor semantics (spec §1.7.7). */
import type { RequestContext } from "../context.ts";
import { intParam, jsonResponse } from "../http.ts";
import type { StoredEvent } from "../store.ts";
import { scopeAllows } from "../../protocol/scopes.ts";

export function listEvents(context: RequestContext): Response {
  const { url } = context;
  const page = context.store.listEvents(context.workspace, {
    provider: url.searchParams.get("provider") ?? "",
    cursor: url.searchParams.get("cursor") ?? "",
    limit: intParam(url, "limit", 200, 1, 1000),
    descending: url.searchParams.get("direction")?.toLowerCase() === "desc",
  });
  // A token scoped to a folder never learns other paths; the cursor still moves past what it may not see.
  const visible = page.events.filter((event) => scopeAllows(context.principal.scopes, "fs:read", event.path));
  return jsonResponse(200, { events: visible.map(eventDocument), nextCursor: page.nextCursor });
}

export function eventDocument(event: StoredEvent): Record<string, unknown> {
  return {
    eventId: event.eventId,
    type: event.type,
    path: event.path,
    revision: event.revision,
    origin: event.origin,
    provider: event.provider,
    correlationId: event.correlationId,
    timestamp: event.timestamp,
  };
}
