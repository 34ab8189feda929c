/**
 * The server's front door: accepts TCP connections itself and passes their bytes to the HTTP server behind it,
 * because `Deno.serve` has no connection cap and no header or idle timeout (an idle connection is held forever, and
 * enough of them end the process at the file-descriptor limit). Policy is `ConnectionTable`'s; this file is the I/O.
 * TLS passes through untouched (the server behind speaks it), so for HTTPS the head is taken as complete once the
 * server has answered the handshake.
 */
import { type ConnectionLimits, ConnectionTable, HeadEndScanner } from "./connection_table.ts";

const SWEEP_EVERY_MS = 1_000;
const RETRY_ACCEPT_AFTER_MS = 200;
const ANSWER_WITHIN_MS = 1_000;
const ANSWERING_AT_MOST = 8;
/** Two for the connection passed on, the rest for whatever else runs meanwhile (another connection, the database). */
const DESCRIPTOR_HEADROOM = 12;
const MIN_CAP = 8;
/** A lowered cap is raised this many connections at a time, once the descriptors for them (three each) are free. */
const CAP_STEP = 16;
/** A descriptor shortage that comes and goes is said at most once a minute. */
const SAY_AGAIN_AFTER_MS = 60_000;
const REFUSED = "HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
const TIMED_OUT = "HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";

export interface GuardOptions {
  listener: Deno.Listener<Deno.TcpConn, Deno.NetAddr>;
  /** A new connection to the server behind. */
  connectUpstream(): Promise<Deno.TcpConn>;
  limits: ConnectionLimits;
  /** Plain HTTP: heads are read, and a refusal or timeout is answered (503, 408) before closing. */
  plaintext: boolean;
  /**
   * Whether this many descriptors could be opened now. Asked before each connection is passed on, which takes two
   * more (the door's to the server, the server's): if the process is near its open-files limit, the door refuses
   * and lowers its cap, rather than letting the server behind fail to accept — which ends its every connection.
   */
  descriptorsFree?: (count: number) => boolean;
  /** Said once per episode: the cap was reached, the descriptors ran out. */
  notice?: (line: string) => void;
  now?: () => number;
}

export interface ConnectionGuard {
  /** Local ports of the guard's own connections to the server behind: any other caller went around the door. */
  isUpstreamPort(port: number): boolean;
  /** Stops accepting; open connections stay until `closeAll`. */
  stopAccepting(): void;
  closeAll(): Promise<void>;
}

interface Proxied {
  client: Deno.TcpConn;
  upstream: Deno.TcpConn;
  done?: Promise<void>;
}

export function guardConnections(options: GuardOptions): ConnectionGuard {
  const now = options.now ?? Date.now;
  const table = new ConnectionTable<number>(options.limits);
  const proxied = new Map<number, Proxied>();
  const upstreamPorts = new Set<number>();
  let nextId = 0;
  let stopped = false;
  let atCapSaid = false;
  let descriptorsSaidAt: number | undefined;
  let recovered = true;
  let answering = 0;

  const sever = (id: number, answer = "") => {
    const entry = proxied.get(id);
    if (!entry) return;
    // The server's side is closed once the answer is out: its end would close the client's too early.
    answerAndClose(entry.client, options.plaintext ? answer : "", () => closeQuietly(entry.upstream));
  };

  // Each refusal holds a descriptor until its answer is out: a flood is refused in silence past a few.
  const refuse = (client: Deno.TcpConn) => {
    const answer = options.plaintext && answering < ANSWERING_AT_MOST ? REFUSED : "";
    if (answer) answering++;
    answerAndClose(client, answer, () => answer && answering--);
  };

  // A shortage is often brief (connections being closed still hold descriptors): a lowered cap comes back up as the
  // descriptors do, so that a flood does not leave the server a lower cap for good.
  const raiseLoweredCap = () => {
    if (table.max >= options.limits.max || !options.descriptorsFree?.(DESCRIPTOR_HEADROOM + 3 * CAP_STEP)) return;
    table.max = Math.min(options.limits.max, table.max + CAP_STEP);
  };

  const sweep = setInterval(() => {
    for (const [id, why] of table.expire(now())) sever(id, why === "header-timeout" ? TIMED_OUT : "");
    if (atCapSaid && table.size < table.max * 0.9) atCapSaid = false;
    raiseLoweredCap();
  }, SWEEP_EVERY_MS);

  const sayOncePerEpisode = (line: string) => {
    if (descriptorsSaidAt !== undefined && now() - descriptorsSaidAt < SAY_AGAIN_AFTER_MS) return;
    descriptorsSaidAt = now();
    options.notice?.(line);
  };

  const relay = async (id: number, client: Deno.TcpConn, upstream: Deno.TcpConn) => {
    const port = upstream.localAddr.port;
    upstreamPorts.add(port);
    try {
      const head = new HeadEndScanner();
      const fromClient = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          table.activity(id, "client", now());
          if (options.plaintext && head.feed(chunk)) table.headComplete(id);
          controller.enqueue(chunk);
        },
      });
      const fromServer = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          table.activity(id, "server", now());
          if (!options.plaintext) table.headComplete(id);
          controller.enqueue(chunk);
        },
      });
      // A client that half-closes still gets its answer; once the server closes, the connection is over.
      client.readable.pipeThrough(fromClient).pipeTo(upstream.writable, { preventClose: true })
        .then(() => upstream.closeWrite()).catch(() => {});
      await upstream.readable.pipeThrough(fromServer).pipeTo(client.writable, { preventClose: true })
        .catch(() => {});
    } finally {
      upstreamPorts.delete(port);
      table.remove(id);
      proxied.delete(id);
      closeQuietly(client);
      closeQuietly(upstream);
    }
  };

  const acceptLoop = async () => {
    while (!stopped) {
      let client: Deno.TcpConn;
      try {
        client = await options.listener.accept();
      } catch (error) {
        if (stopped || error instanceof Deno.errors.BadResource) return;
        recovered = false;
        sayOncePerEpisode(
          `cannot accept connections (${error instanceof Error ? error.message : String(error)}): retrying`,
        );
        await new Promise((resolve) => setTimeout(resolve, RETRY_ACCEPT_AFTER_MS));
        continue;
      }
      if (!recovered) {
        recovered = true;
        if (descriptorsSaidAt !== undefined && now() - descriptorsSaidAt < SAY_AGAIN_AFTER_MS) {
          options.notice?.("accepting connections again");
        }
      }
      const id = nextId++;
      const admission = table.admit(id, now());
      if (!admission.admitted) {
        if (!atCapSaid) {
          atCapSaid = true;
          options.notice?.(
            `${table.max} connections open (the connection cap), none idle: refusing new ones`,
          );
        }
        refuse(client);
        continue;
      }
      if (admission.evict !== undefined) sever(admission.evict);
      if (options.descriptorsFree && !options.descriptorsFree(DESCRIPTOR_HEADROOM)) {
        table.remove(id);
        const cap = Math.max(MIN_CAP, table.size);
        if (cap < table.max) {
          table.max = cap;
          sayOncePerEpisode(
            `file descriptors run short at ${table.size} connections: the cap is lowered to ${cap} while they do ` +
              "(raise ulimit -n for more)",
          );
        }
        refuse(client);
        continue;
      }
      // One connection set up at a time, so that the headroom just checked is this one's.
      let upstream: Deno.TcpConn;
      try {
        upstream = await options.connectUpstream();
      } catch {
        table.remove(id); // the server behind is unreachable (shutting down): the client sees its connection close
        closeQuietly(client);
        continue;
      }
      const entry: Proxied = { client, upstream };
      proxied.set(id, entry);
      entry.done = relay(id, client, upstream);
    }
  };
  acceptLoop();

  return {
    isUpstreamPort: (port) => upstreamPorts.has(port),
    stopAccepting() {
      stopped = true;
      clearInterval(sweep);
      closeQuietly(options.listener);
    },
    async closeAll() {
      const pending = [...proxied].map(([id, entry]) => (sever(id), entry.done));
      await Promise.all(pending);
    },
  };
}

const encoder = new TextEncoder();

/** Says `answer` first when there is one, waiting a moment at most: a peer that does not read loses it. */
function answerAndClose(connection: Deno.TcpConn, answer: string, then = () => {}): void {
  if (!answer) {
    closeQuietly(connection);
    return then();
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  Promise.race([
    connection.write(encoder.encode(answer)),
    new Promise((resolve) => timer = setTimeout(resolve, ANSWER_WITHIN_MS)),
  ]).catch(() => {}).finally(() => {
    clearTimeout(timer);
    closeQuietly(connection);
    then();
  });
}

function closeQuietly(resource: { close(): void }): void {
  try {
    resource.close();
  } catch {
    // already closed
  }
}
