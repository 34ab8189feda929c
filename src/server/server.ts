/**
 * The local relayfile v1 server: the subset of the API a mount uses (spec §1.11), with the reference's shapes,
 * status codes and auth rules. Every error is an envelope answer; nothing a client sends crashes it.
 */
import { serveGuarded } from "./listener.ts";
import type { ConnectionLimits } from "./connection_table.ts";
import { AUTO_PROVIDER, type ProviderModel } from "./provider.ts";
import { Authenticator, AuthError, type Principal } from "./auth.ts";
import type { RequestContext } from "./context.ts";
import { type DataDir, openDataDir } from "./data_dir.ts";
import { type DevTokenRequest, mintDevToken } from "./dev_token.ts";
import { EventHub } from "./event_hub.ts";
import { HttpProblem, jsonResponse, problemResponse } from "./http.ts";
import { normalizeStorePath } from "./paths.ts";
import { FixedWindowLimiter, type RateLimit } from "./rate_limit.ts";
import { findRoute, type Route } from "./routes.ts";
import { openEventSocket } from "./routes/websocket.ts";
import { scopeAllows, scopeGrantsAny } from "../protocol/scopes.ts";
import { Store } from "./store.ts";

export const DEFAULT_MAX_BODY_BYTES = 1 << 20;
/**
 * How long close() waits for Deno's graceful shutdown. That can wait forever on a WebSocket or a connection whose
 * peer went away (denoland/deno#28466, #22387; seen here as `relayfile serve` not exiting on SIGTERM after a mount
 * was killed): past this the server stops waiting — `relayfile serve` then exits, its store closed cleanly.
 */
const SHUTDOWN_GRACE_MS = 3_000;

export interface ServerOptions {
  dataDir: string;
  hostname?: string;
  /** 0 picks a free port. */
  port?: number;
  maxBodyBytes?: number;
  rateLimit?: RateLimit;
  /** Verify RS256 tokens against this JWKS, like the reference server. */
  jwksUrl?: string;
  /** What the provider does with accepted writes (default: takes them all at once). */
  provider?: ProviderModel;
  /** Serve HTTPS with this certificate chain and key (PEM text). */
  tls?: { cert: string; key: string };
  /** Open connections at most, header and idle timeouts (`DEFAULT_CONNECTION_LIMITS` for what is not given). */
  connectionLimits?: Partial<ConnectionLimits>;
  now?: () => number;
  /** Lines about the server itself (it refuses connections, it accepts them again): shown without --verbose. */
  notice?: (line: string) => void;
  /** One line per request (method, path without query, status, ms): never a token. */
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  hostname: string;
  port: number;
  dataDir: DataDir;
  store: Store;
  mintToken(request: Omit<DevTokenRequest, "now">): Promise<string>;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const now = options.now ?? Date.now;
  const dataDir = await openDataDir(options.dataDir);
  const store = Store.open(dataDir.database);
  const hub = new EventHub();
  const sockets = new Set<WebSocket>();
  const limiter = options.rateLimit ? new FixedWindowLimiter(options.rateLimit) : undefined;
  const authenticator = new Authenticator({
    secret: dataDir.secret,
    ...(options.jwksUrl ? { jwksUrl: options.jwksUrl } : {}),
    now,
  });
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  const handle = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const correlationId = request.headers.get("x-correlation-id")?.trim() ?? "";
    let principal: Principal | undefined;
    let workspace = "";
    let route: Route | undefined;
    try {
      if (url.pathname === "/health" && request.method === "GET") return jsonResponse(200, { status: "ok" });
      const match = /^\/v1\/workspaces\/([^/]+)\/(.+)$/.exec(url.pathname);
      if (!match) throw new HttpProblem("not_found", "route not found");
      workspace = decodeSegment(match[1]!);
      const rest = match[2]!;
      const isSocket = rest === "fs/ws" && request.method === "GET";
      const found = isSocket ? undefined : findRoute(request.method, rest);
      if (!isSocket && !found) throw new HttpProblem("not_found", "route not found");
      route = found?.route;

      principal = isSocket
        ? await authenticator.authenticate(
          url.searchParams.get("token") ?? bearerFromHeader(request),
          { headerForm: false },
        )
        : await authenticator.authenticate(request.headers.get("authorization"));
      if (principal.workspaceId !== workspace) throw new HttpProblem("forbidden", "workspace mismatch");
      const retryAfter = limiter?.take(`${workspace}|${principal.agent}`, now());
      if (retryAfter !== undefined) {
        throw new HttpProblem("rate_limited", "rate limit exceeded", {
          headers: isSocket ? {} : { "retry-after": String(retryAfter) },
        });
      }
      const scope = isSocket ? "fs:read" : found!.route.scope;
      const allowed = found?.route.pathAware
        ? scopeAllows(principal.scopes, scope, normalizeStorePath(url.searchParams.get("path")?.trim() ?? ""))
        : scopeGrantsAny(principal.scopes, scope);
      if (!allowed) throw new HttpProblem("forbidden", `missing required scope: ${scope}`);

      if (isSocket) {
        if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
          throw new HttpProblem("bad_request", "websocket upgrade required");
        }
        const scopes = principal.scopes;
        return openEventSocket({
          request,
          url,
          workspace,
          store,
          hub,
          now: () => new Date(now()),
          sockets,
          canRead: (path) => scopeAllows(scopes, "fs:read", path),
        });
      }
      if (correlationId === "") throw new HttpProblem("bad_request", "missing X-Correlation-Id header");
      const context: RequestContext = {
        request,
        url,
        workspace,
        principal,
        correlationId,
        store,
        hub,
        maxBodyBytes,
        provider: options.provider ?? AUTO_PROVIDER,
        now: () => new Date(now()),
      };
      return await found!.route.handler(context, found!.params);
    } catch (error) {
      if (error instanceof AuthError) {
        return jsonResponse(error.status, { code: error.code, message: error.message, correlationId });
      }
      const problem = error instanceof HttpProblem
        ? error
        : (logUnexpected(options.log, error), new HttpProblem("internal_error", "internal error"));
      const response = problemResponse(problem, correlationId);
      if (principal && route?.write && problem.status !== 429) {
        const op = store.transaction(() =>
          store.ops.recordFailed(
            workspace,
            {
              path: normalizeStorePath(url.searchParams.get("path") ?? ""),
              action: route!.write!,
              error: problem.message,
            },
            { correlationId, now: new Date(now()) },
          )
        );
        response.headers.set("x-relayfile-op-id", op.opId);
      }
      return response;
    }
  };

  const server = await serveGuarded({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 8080,
    ...(options.connectionLimits ? { limits: options.connectionLimits } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.notice ? { log: options.notice } : {}),
  }, async (request) => {
    const start = performance.now();
    const response = await handle(request);
    options.log?.(
      `${request.method} ${new URL(request.url).pathname} ${response.status} ${
        Math.round(performance.now() - start)
      }ms`,
    );
    return response;
  });

  const hostname = server.addr.hostname;
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  let closed: Promise<void> | undefined;
  return {
    url: `${options.tls ? "https" : "http"}://${host}:${server.addr.port}`,
    hostname,
    port: server.addr.port,
    dataDir,
    store,
    mintToken: (request) => mintDevToken(dataDir.secret, { ...request, now: now() }),
    close: () =>
      closed ??= (async () => {
        for (const socket of sockets) socket.close(1001, "server shutting down");
        if (!(await server.shutdown(SHUTDOWN_GRACE_MS))) {
          options.log?.(`shutdown: connections still open after ${SHUTDOWN_GRACE_MS} ms; not waiting for them`);
        }
        store.close();
      })(),
  };
}

function bearerFromHeader(request: Request): string | null {
  const header = request.headers.get("authorization");
  return header?.startsWith("Bearer ") ? header.slice("Bearer ".length) : null;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpProblem("not_found", "route not found");
  }
}

function logUnexpected(log: ((line: string) => void) | undefined, error: unknown): void {
  log?.(`internal error: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
}
