/**
 * Where the server listens: a guarded front door (`connection_guard.ts`: connection cap, header and idle timeouts)
 * on the address asked for, in front of `Deno.serve` on a loopback port of its own that answers only the door's
 * connections.
 */
import { guardConnections } from "./connection_guard.ts";
import { type ConnectionLimits, DEFAULT_CONNECTION_LIMITS } from "./connection_table.ts";

const RELISTEN_EVERY_MS = 500;

export interface ListenOptions {
  hostname: string;
  port: number;
  tls?: { cert: string; key: string };
  limits?: Partial<ConnectionLimits>;
  log?: (line: string) => void;
}

export interface GuardedServer {
  addr: Deno.NetAddr;
  /** Stops listening, lets open requests finish for up to `graceMs`, then closes what is left; false if it had to. */
  shutdown(graceMs: number): Promise<boolean>;
}

export async function serveGuarded(
  options: ListenOptions,
  handler: (request: Request) => Promise<Response>,
): Promise<GuardedServer> {
  const listener = Deno.listen({ hostname: options.hostname, port: options.port });
  try {
    const limits = { ...DEFAULT_CONNECTION_LIMITS, ...options.limits };
    let isUpstreamPort = (_port: number) => false;
    const inner = await serveResilient(
      {
        hostname: "127.0.0.1",
        port: 0,
        ...(options.tls ? { tls: options.tls } : {}),
        ...(options.log ? { log: options.log } : {}),
      },
      (request, info) =>
        isUpstreamPort(info.remoteAddr.port)
          ? handler(request)
          : Promise.resolve(new Response("connect to the server's own address\n", { status: 403 })),
    );
    const guard = guardConnections({
      listener,
      connectUpstream: () => Deno.connect({ hostname: "127.0.0.1", port: inner.addr.port }),
      limits,
      plaintext: options.tls === undefined,
      descriptorsFree,
      ...(options.log ? { notice: options.log } : {}),
    });
    isUpstreamPort = guard.isUpstreamPort;
    return {
      addr: listener.addr,
      shutdown: async (graceMs) => {
        guard.stopAccepting();
        const graceful = await settlesWithin(inner.shutdown(), graceMs);
        await guard.closeAll();
        return graceful;
      },
    };
  } catch (error) {
    listener.close();
    throw error;
  }
}

/**
 * Whether `count` more descriptors can be opened now: opens that many handles on the null device and closes them.
 * The open-files limit itself cannot be read here (Deno allows /proc/self only with --allow-all); where it cannot be
 * probed either (Windows, which has no such limit; no read access), the answer is yes.
 */
function descriptorsFree(count: number): boolean {
  if (Deno.build.os === "windows") return true;
  const opened: Deno.FsFile[] = [];
  try {
    while (opened.length < count) opened.push(Deno.openSync("/dev/null"));
    return true;
  } catch (error) {
    return !/Too many open files|os error 24/.test(error instanceof Error ? error.message : String(error));
  } finally {
    for (const file of opened) file.close();
  }
}

/** True when `promise` settled within `ms` (its outcome is not this function's business). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const settled = promise.then(() => true, () => true);
  const timedOut = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([settled, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

interface ResilientServer {
  addr: Deno.NetAddr;
  shutdown(): Promise<void>;
}

interface ResilientOptions {
  hostname: string;
  port: number;
  tls?: { cert: string; key: string };
  log?: (line: string) => void;
}

/**
 * `Deno.serve` that survives running out of file descriptors (reached around the door, through its loopback port).
 * Deno's accept loop then fails with EMFILE as an unhandled rejection that ends the process, or leaves the server
 * deaf: that failure is caught (that one only), logged once, and the server listens again on the same port as soon
 * as it can.
 */
function isFdExhaustion(reason: unknown): boolean {
  const text = reason instanceof Error
    ? `${reason.message} ${(reason as { code?: string }).code ?? ""}`
    : String(reason);
  return /Too many open files|EMFILE|os error 24/.test(text);
}

async function serveResilient(
  options: ResilientOptions,
  handler: Deno.ServeHandler<Deno.NetAddr>,
): Promise<ResilientServer> {
  const servers = new Set<Deno.HttpServer<Deno.NetAddr>>();
  let stopped = false;
  let relistening: ReturnType<typeof setTimeout> | undefined;
  let reported = false;
  const start = (port: number) =>
    new Promise<Deno.NetAddr>((resolve, reject) => {
      try {
        const server = Deno.serve({
          hostname: options.hostname,
          port,
          ...(options.tls ? { cert: options.tls.cert, key: options.tls.key } : {}),
          onListen: resolve,
        }, handler);
        servers.add(server);
        server.finished.then(() => servers.delete(server));
      } catch (error) {
        reject(error);
      }
    });
  const addr = await start(options.port);
  const relisten = () => {
    relistening = undefined;
    if (stopped) return;
    start(addr.port).then(() => {
      options.log?.("accepting connections again");
      reported = false;
    }, () => relistening = setTimeout(relisten, RELISTEN_EVERY_MS));
  };
  const onRejection = (event: PromiseRejectionEvent) => {
    if (!isFdExhaustion(event.reason)) return;
    event.preventDefault();
    if (!reported) {
      reported = true;
      options.log?.("too many open connections (file descriptors exhausted): refusing new ones until some close");
    }
    if (relistening === undefined && !stopped) relistening = setTimeout(relisten, RELISTEN_EVERY_MS);
  };
  globalThis.addEventListener("unhandledrejection", onRejection);
  return {
    addr,
    shutdown: async () => {
      stopped = true;
      if (relistening !== undefined) clearTimeout(relistening);
      globalThis.removeEventListener("unhandledrejection", onRejection);
      await Promise.all([...servers].map((server) => server.shutdown()));
    },
  };
}
