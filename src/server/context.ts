import type { Principal } from "./auth.ts";
import type { ProviderModel } from "./provider.ts";
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
  /** What the provider does with accepted writes. */
  provider: ProviderModel;
  now: () => Date;
}
