import { relayWebSocket } from "../../scripts/ws_relay.ts";

/**
 * A reverse proxy in front of a real server that injects faults: a status (with `Retry-After`), a delay, a hold
 * until the test lets the request go, or a dropped connection, for requests a rule matches, a given number of times. Real HTTP on a free port.
 */

export type Fault =
  | { status: number; retryAfter?: string; body?: unknown }
  | { delayMs: number }
  /** The request waits until the test resolves this, then goes through. */
  | { holdUntil: Promise<void> }
  | { drop: true };

export interface FaultRule {
  /** Method and path (`POST /fs/bulk`) must contain this; the request body too, when `bodyIncludes` is set. */
  route: string;
  bodyIncludes?: string;
  /** How many matching requests get the fault (default: all). */
  times?: number;
  fault: Fault;
}

export interface FaultProxy extends AsyncDisposable {
  url: string;
  rules: FaultRule[];
  /** Every request seen: `METHOD /path -> status` (`dropped` for dropped ones). */
  log: string[];
}

/** `websocket`: pass WebSocket upgrades through (messages relayed as they are, never faulted); else 501, and a mount
 * behind the proxy polls. */
export function startFaultProxy(target: string, options: { websocket?: boolean } = {}): FaultProxy {
  const rules: FaultRule[] = [];
  const log: string[] = [];
  // `onError` also keeps a dropped connection's stream error off the test output: a drop is the point, not a fault.
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: () => {},
    onError: () => new Response("fault proxy error", { status: 502 }),
  }, async (request) => {
    const url = new URL(request.url);
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
    const text = body ? new TextDecoder().decode(body) : "";
    const route = `${request.method} ${url.pathname}`;
    const rule = rules.find((candidate) =>
      route.includes(candidate.route) &&
      (candidate.bodyIncludes === undefined || text.includes(candidate.bodyIncludes)) &&
      (candidate.times === undefined || candidate.times > 0)
    );
    if (rule) {
      if (rule.times !== undefined) rule.times--;
      const fault = rule.fault;
      if ("drop" in fault) {
        log.push(`${route} -> dropped`);
        return new Response(new ReadableStream({ start: (controller) => controller.error(new Error("dropped")) }));
      }
      if ("status" in fault) {
        log.push(`${route} -> ${fault.status}`);
        return Response.json(fault.body ?? { code: "injected", message: `injected ${fault.status}` }, {
          status: fault.status,
          headers: fault.retryAfter ? { "retry-after": fault.retryAfter } : {},
        });
      }
      if ("holdUntil" in fault) await fault.holdUntil;
      else await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    }
    const headers = new Headers(request.headers);
    headers.delete("host");
    if (request.headers.get("upgrade")?.toLowerCase() === "websocket") {
      if (!options.websocket) {
        log.push(`${route} -> 501 (no websocket through the proxy)`);
        return new Response("the fault proxy forwards no WebSocket", { status: 501 });
      }
      log.push(`${route} -> 101`);
      return relayWebSocket(request, `${target.replace(/^http/, "ws")}${url.pathname}${url.search}`);
    }
    const response = await fetch(`${target}${url.pathname}${url.search}`, {
      method: request.method,
      headers,
      ...(body ? { body } : {}),
    });
    log.push(`${route} -> ${response.status}`);
    const nullBody = response.status === 204 || response.status === 304;
    const answer = nullBody ? null : await response.arrayBuffer();
    if (nullBody) await response.body?.cancel();
    return new Response(answer, { status: response.status, headers: response.headers });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    rules,
    log,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}
