/**
 * `relayfile serve` as a server without `fs/bulk-read` (the reference server has none): a proxy that answers that
 * route 404 and counts, per workspace, the single-file reads (`GET fs/file`) a mount makes instead. WebSockets pass.
 */
import { relayWebSocket } from "../ws_relay.ts";

export interface ReadsProxy extends AsyncDisposable {
  url: string;
  /** `GET fs/file` requests so far for the workspace. */
  fileReads(workspace: string): number;
}

export function startReadsProxy(target: string): ReadsProxy {
  const reads = new Map<string, number>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
    const url = new URL(request.url);
    const route = /^\/v1\/workspaces\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (route?.[2] === "fs/bulk-read") {
      await request.body?.cancel();
      return Response.json({ code: "not_found", message: "route not found" }, { status: 404 });
    }
    if (route?.[2] === "fs/file" && request.method === "GET") reads.set(route[1]!, (reads.get(route[1]!) ?? 0) + 1);
    if (request.headers.get("upgrade")?.toLowerCase() === "websocket") {
      return relayWebSocket(request, `${target.replace(/^http/, "ws")}${url.pathname}${url.search}`);
    }
    const headers = new Headers(request.headers);
    headers.delete("host");
    const body = request.body ? await request.arrayBuffer() : undefined;
    const response = await fetch(`${target}${url.pathname}${url.search}`, {
      method: request.method,
      headers,
      ...(body ? { body } : {}),
    });
    return new Response(await response.arrayBuffer(), { status: response.status, headers: response.headers });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    fileReads: (workspace) => reads.get(workspace) ?? 0,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}
