/**
 * When to pull: on every WebSocket event (the events cursor then says exactly what changed, so a missed message or
 * a reconnect loses nothing), or on the poll interval when there is no WebSocket. Pulls never overlap; a trigger
 * during a pull runs one more after it; a failed pull is tried again with backoff, WebSocket or not (a pull refused
 * by a rate limit once left the changes it would have brought until the next message). A message's own path is also
 * handed to `fetchAnnounced` first, so a remote change can reach the folder without waiting for the cursor's round
 * trip; messages that come while one such fetch runs are taken together in the next.
 */
import type { Log } from "../lib/log.ts";
import type { RelayfileClient } from "../remote/client.ts";
import { backoffMs } from "../lib/backoff.ts";
import { errorMessage } from "../lib/errors.ts";
import { safeParse } from "valibot";
import { WsChangeMessageSchema } from "../protocol/wire.ts";

const RECONNECT_BACKOFF = { baseMs: 500, capMs: 30_000 };
/** A failed pull is tried again on its own (the WebSocket may say nothing more for hours), sooner than a poll. */
const FAILED_PULL_BACKOFF = { baseMs: 1_000, capMs: 30_000 };

export interface FeedOptions {
  websocket: boolean;
  intervalMs: number;
  /** Runs one pull; the feed serializes calls. */
  pull: () => Promise<void>;
  /** Fetches the changes some messages announced (optional; the pull that follows covers them either way). */
  fetchAnnounced?: (changes: AnnouncedChange[]) => Promise<void>;
  log: Log;
  onStatus: (status: "listening" | "reconnecting" | "polling") => void;
}

/** What a WebSocket message says changed (the reference sends no event id, so this is never a cursor). */
export interface AnnouncedChange {
  type: string;
  path: string;
  revision?: string;
}

export class RemoteFeed {
  readonly #client: RelayfileClient;
  readonly #options: FeedOptions;
  #socket: WebSocket | undefined;
  #connected = false;
  #closed = false;
  /** Reconnects in a row without a successful open. */
  #reconnects = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #pollTimer: ReturnType<typeof setInterval> | undefined;
  #pulling: Promise<void> | undefined;
  #again = false;
  #failedPulls = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #announced = new Map<string, AnnouncedChange>();
  #fetching: Promise<void> | undefined;
  #socketClosed: Promise<void> = Promise.resolve();

  constructor(client: RelayfileClient, options: FeedOptions) {
    this.#client = client;
    this.#options = options;
  }

  start(): void {
    this.#pollTimer = setInterval(() => {
      if (!this.#connected) this.trigger();
    }, this.#options.intervalMs);
    if (this.#options.websocket) this.#connect();
    else this.#options.onStatus("polling");
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Pull now, or right after the running pull. */
  trigger(): void {
    if (this.#closed) return;
    if (this.#pulling) {
      this.#again = true;
      return;
    }
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#pulling = this.#options.pull().then(() => {
      this.#failedPulls = 0;
    }, (error) => {
      this.#options.log(`pull failed: ${error instanceof Error ? error.message : error}`, { level: "detail" });
      this.#retryFailedPull();
    }).finally(() => {
      this.#pulling = undefined;
      if (this.#again) {
        this.#again = false;
        this.trigger();
      }
    });
  }

  #announce(change: AnnouncedChange): void {
    const fetchAnnounced = this.#options.fetchAnnounced;
    if (!fetchAnnounced || this.#closed) return;
    this.#announced.set(change.path, change);
    if (this.#fetching) return;
    const next = () => {
      const changes = [...this.#announced.values()];
      this.#announced.clear();
      this.#fetching = fetchAnnounced(changes).catch((error) => {
        this.#options.log(`fetching announced changes failed (the pull will bring them): ${errorMessage(error)}`, {
          level: "detail",
        });
      }).finally(() => {
        this.#fetching = undefined;
        if (this.#announced.size > 0 && !this.#closed) next();
      });
    };
    next();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#pollTimer !== undefined) clearInterval(this.#pollTimer);
    if (this.#reconnectTimer !== undefined) clearTimeout(this.#reconnectTimer);
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    if (this.#socket && this.#socket.readyState < WebSocket.CLOSING) this.#socket.close();
    await this.#socketClosed;
    while (this.#pulling || this.#fetching) await (this.#pulling ?? this.#fetching);
  }

  #connect(): void {
    if (this.#closed) return;
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.#client.webSocketUrl());
    } catch (error) {
      this.#options.log(`websocket unavailable: ${error instanceof Error ? error.message : error}`, {
        level: "detail",
      });
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    this.#socketClosed = new Promise((resolve) => {
      socket.onclose = () => {
        const wasConnected = this.#connected;
        this.#connected = false;
        resolve();
        if (this.#closed) return;
        if (wasConnected) this.#options.log("websocket closed; polling until it is back", { event: "listener" });
        this.#options.onStatus("reconnecting");
        this.#scheduleReconnect();
      };
    });
    socket.onopen = () => {
      this.#connected = true;
      this.#reconnects = 0;
      this.#options.onStatus("listening");
      this.trigger(); // whatever happened while we were away
    };
    socket.onmessage = (message) => {
      if (typeof message.data !== "string") return;
      let json: unknown;
      try {
        json = JSON.parse(message.data);
      } catch {
        return; // not JSON: not an event
      }
      const parsed = safeParse(WsChangeMessageSchema, json);
      if (!parsed.success) return;
      const { type, path, revision } = parsed.output;
      if (path !== undefined) this.#announce({ type, path, ...(revision !== undefined ? { revision } : {}) });
      this.trigger();
    };
    socket.onerror = () => {};
  }

  #retryFailedPull(): void {
    if (this.#closed) return;
    const ceiling = Math.min(FAILED_PULL_BACKOFF.capMs, this.#options.intervalMs);
    const delay = Math.max(
      100,
      backoffMs({ ...FAILED_PULL_BACKOFF, capMs: ceiling }, ++this.#failedPulls, Math.random()),
    );
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.trigger();
    }, delay);
  }

  #scheduleReconnect(): void {
    if (this.#closed) return;
    const delay = backoffMs(RECONNECT_BACKOFF, ++this.#reconnects, Math.random());
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      this.#connect();
    }, delay);
  }
}
