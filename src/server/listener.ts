/**
 * `Deno.serve` that survives running out of file descriptors. When too many connections are open, Deno's accept
 * loop fails with EMFILE ("Too many open files") as an unhandled rejection that ends the process, or leaves the
 * server deaf. Here that failure is caught (that one only), logged once, and the server listens again on the same
 * port as soon as it can: new connections are refused meanwhile instead of killing the process.
 */

const RELISTEN_EVERY_MS = 500;

export interface ListenOptions {
  hostname: string;
  port: number;
  tls?: { cert: string; key: string };
  log?: (line: string) => void;
}

export interface ResilientServer {
  addr: Deno.NetAddr;
  /** Stops listening and waits for open connections to finish (the caller bounds the wait). */
  shutdown(): Promise<void>;
}

function isFdExhaustion(reason: unknown): boolean {
  const text = reason instanceof Error
    ? `${reason.message} ${(reason as { code?: string }).code ?? ""}`
    : String(reason);
  return /Too many open files|EMFILE|os error 24/.test(text);
}

export async function serveResilient(
  options: ListenOptions,
  handler: (request: Request) => Promise<Response>,
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
