/**
 * Which connections a server keeps (pure; time is passed in). At most `max` are open. One that has not sent a whole
 * request head within `headerTimeoutMs` of opening, or carried no byte either way for `idleTimeoutMs`, is closed.
 * At the cap a newcomer takes the place of the longest-idle connection that is waiting on its client (no head yet,
 * or the server spoke last) and has been idle for `evictIdleAfterMs`; when there is none it is refused — so idle
 * connections held open on purpose cannot lock everyone else out, and a request being answered is never cut.
 */

export interface ConnectionLimits {
  max: number;
  headerTimeoutMs: number;
  idleTimeoutMs: number;
  evictIdleAfterMs: number;
}

/** Header and idle timeouts like the reference's control plane (5 s, 60 s), loosened for slow links and for the
 * WebSocket, which Deno pings after 60 s of silence. */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  max: 1024,
  headerTimeoutMs: 10_000,
  idleTimeoutMs: 120_000,
  evictIdleAfterMs: 1_000,
};

export type Expiry = "header-timeout" | "idle-timeout";

export type Admission<Id> = { admitted: true; evict?: Id } | { admitted: false };

interface Entry {
  openedAt: number;
  lastActivity: number;
  headComplete: boolean;
  serverSpokeLast: boolean;
}

export class ConnectionTable<Id> {
  readonly #limits: ConnectionLimits;
  readonly #open = new Map<Id, Entry>();
  /** The cap: `limits.max` at first, lowered when the process runs short of descriptors. */
  max: number;

  constructor(limits: ConnectionLimits) {
    this.#limits = limits;
    this.max = limits.max;
  }

  get size(): number {
    return this.#open.size;
  }

  admit(id: Id, now: number): Admission<Id> {
    let evict: Id | undefined;
    if (this.#open.size >= this.max) {
      evict = this.#longestIdleWaitingOnClient(now);
      if (evict === undefined) return { admitted: false };
      this.#open.delete(evict);
    }
    this.#open.set(id, { openedAt: now, lastActivity: now, headComplete: false, serverSpokeLast: false });
    return evict === undefined ? { admitted: true } : { admitted: true, evict };
  }

  /** Bytes crossed the connection: from the client, or from the server. */
  activity(id: Id, from: "client" | "server", now: number): void {
    const entry = this.#open.get(id);
    if (!entry) return;
    entry.lastActivity = now;
    entry.serverSpokeLast = from === "server";
  }

  headComplete(id: Id): void {
    const entry = this.#open.get(id);
    if (entry) entry.headComplete = true;
  }

  remove(id: Id): void {
    this.#open.delete(id);
  }

  /** The connections to close now, and why; they are no longer counted. */
  expire(now: number): Array<[Id, Expiry]> {
    const expired: Array<[Id, Expiry]> = [];
    for (const [id, entry] of this.#open) {
      if (!entry.headComplete && now - entry.openedAt >= this.#limits.headerTimeoutMs) {
        expired.push([id, "header-timeout"]);
      } else if (now - entry.lastActivity >= this.#limits.idleTimeoutMs) {
        expired.push([id, "idle-timeout"]);
      }
    }
    for (const [id] of expired) this.#open.delete(id);
    return expired;
  }

  #longestIdleWaitingOnClient(now: number): Id | undefined {
    let found: Id | undefined;
    let oldest = now - this.#limits.evictIdleAfterMs;
    for (const [id, entry] of this.#open) {
      const waitingOnClient = !entry.headComplete || entry.serverSpokeLast;
      const older = found === undefined ? entry.lastActivity <= oldest : entry.lastActivity < oldest;
      if (waitingOnClient && older) {
        found = id;
        oldest = entry.lastActivity;
      }
    }
    return found;
  }
}

/**
 * Finds the blank line that ends an HTTP/1 request head in a byte stream read in chunks: feed each chunk; true once
 * `\r\n\r\n` has been seen, wherever the chunks split it.
 */
export class HeadEndScanner {
  #matched = 0;
  #done = false;

  feed(chunk: Uint8Array): boolean {
    if (this.#done) return true;
    for (let i = 0; i < chunk.length; i++) {
      const expected = this.#matched % 2 === 0 ? 13 : 10;
      if (chunk[i] === expected) {
        if (++this.#matched === 4) return this.#done = true;
      } else {
        this.#matched = chunk[i] === 13 ? 1 : 0;
      }
    }
    return false;
  }
}
