/**
 * `GET …/fs/ws?token=JWT[&cursor=evt_N]`: catch-up (the events after `cursor`, else the last 100), then live events,
 * never one twice; `{"type":"ping"}` is answered with a pong (spec §1.7.8).
 */
import type { EventHub } from "../event_hub.ts";
import type { Store, StoredEvent } from "../store.ts";

const CATCH_UP_EVENTS = 100;
const MAX_CATCH_UP_AFTER_CURSOR = 10_000;

export interface EventSocketContext {
  request: Request;
  url: URL;
  workspace: string;
  store: Store;
  hub: EventHub;
  now: () => Date;
  /** Open sockets, closed by the server when it stops. */
  sockets: Set<WebSocket>;
  /** May the socket's token read this path? Others' events are never sent. */
  canRead: (path: string) => boolean;
}

export function openEventSocket(context: EventSocketContext): Response {
  const { socket, response } = Deno.upgradeWebSocket(context.request, { idleTimeout: 60 });
  let lastSentSeq = 0;
  let caughtUp = false;
  const waiting: StoredEvent[] = [];
  const send = (event: StoredEvent) => {
    const seq = Number(event.eventId.slice("evt_".length));
    if (seq <= lastSentSeq || socket.readyState !== WebSocket.OPEN) return;
    lastSentSeq = seq;
    if (!context.canRead(event.path)) return;
    socket.send(JSON.stringify({
      type: event.type,
      path: event.path,
      revision: event.revision,
      timestamp: event.timestamp,
      eventId: event.eventId,
      origin: event.origin,
      provider: event.provider,
    }));
  };
  // Subscribe before reading the catch-up, so that nothing written in between is lost.
  const unsubscribe = context.hub.subscribe(context.workspace, (event) => caughtUp ? send(event) : waiting.push(event));
  socket.onopen = () => {
    const cursor = context.url.searchParams.get("cursor") || context.url.searchParams.get("from") || "";
    const afterCursor = cursor
      ? context.store.eventsAfter(context.workspace, cursor, MAX_CATCH_UP_AFTER_CURSOR)
      : undefined;
    for (const event of afterCursor ?? context.store.recentEvents(context.workspace, CATCH_UP_EVENTS)) send(event);
    caughtUp = true;
    waiting.splice(0).forEach(send);
  };
  socket.onmessage = (message) => {
    if (typeof message.data !== "string") return;
    try {
      const parsed = JSON.parse(message.data) as { type?: unknown };
      if (parsed?.type === "ping" && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ type: "pong", timestamp: context.now().toISOString() }));
      }
    } catch {
      // Not JSON: nothing to answer.
    }
  };
  socket.onclose = () => {
    unsubscribe();
    context.sockets.delete(socket);
  };
  socket.onerror = () => {};
  context.sockets.add(socket);
  return response;
}
