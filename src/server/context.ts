import type { Principal } from "./auth.ts";
import type { EventHub } from "./event_hub.ts";
import type { Store } from "./store.ts";

/** What a route handler gets: the authenticated request and the server's parts. */
export interface RequestContext {
  request: Request;
  url: URL;
  workspace: string;
  principal: Principal;
  correlationId: string;
  store: Store;
  hub: EventHub;
  maxBodyBytes: number;
  now: () => Date;
}

export type RouteHandler = (context: RequestContext) => Promise<Response> | Response;
