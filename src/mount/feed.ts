/**
 * When to pull: on every WebSocket event (the events cursor then says exactly what changed, so a missed message or
 * a reconnect loses nothing), or on the poll interval when there is no WebSocket. Pulls never overlap; a trigger
 * during a pull runs one more after it.
 */
import type { RelayfileClient } from "../remote/client.ts";

export interface FeedOptions {
  websocket: boolean;
  intervalMs: number;
  /** Runs one pull; the feed serializes calls. */
  pull: () => Promise<void>;
  log: (line: string) => void;
  onStatus: (status: "listening" | "reconnecting" | "polling") => void;
}

export class RemoteFeed {
  readonly #client: RelayfileClient;
  readonly #options: FeedOptions;
  #socket: WebSocket | undefined;
  #connected = false;
  #closed = false;
  #reconnectDelay = 500;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #pollTimer: ReturnType<typeof setInterval> | undefined;
  #pulling: Promise<void> | undefined;
  #again = false;
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
    this.#pulling = this.#options.pull().catch((error) => {
      this.#options.log(`pull failed: ${error instanceof Error ? error.message : error}`);
    }).finally(() => {
      this.#pulling = undefined;
      if (this.#again) {
        this.#again = false;
        this.trigger();
      }
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#pollTimer !== undefined) clearInterval(this.#pollTimer);
    if (this.#reconnectTimer !== undefined) clearTimeout(this.#reconnectTimer);
    if (this.#socket && this.#socket.readyState < WebSocket.CLOSING) this.#socket.close();
    await this.#socketClosed;
    while (this.#pulling) await this.#pulling;
  }

  #connect(): void {
    if (this.#closed) return;
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.#client.webSocketUrl());
    } catch (error) {
      this.#options.log(`websocket unavailable: ${error instanceof Error ? error.message : error}`);
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
        if (wasConnected) this.#options.log("websocket closed; polling until it is back");
        this.#options.onStatus("reconnecting");
        this.#scheduleReconnect();
      };
    });
    socket.onopen = () => {
      this.#connected = true;
      this.#reconnectDelay = 500;
      this.#options.onStatus("listening");
      this.trigger(); // whatever happened while we were away
    };
    socket.onmessage = (message) => {
      if (typeof message.data !== "string") return;
      try {
        const parsed = JSON.parse(message.data) as { type?: unknown };
        if (typeof parsed.type === "string" && parsed.type.startsWith("file.")) this.trigger();
      } catch {
        // not an event
      }
    };
    socket.onerror = () => {};
  }

  #scheduleReconnect(): void {
    if (this.#closed) return;
    const delay = Math.random() * this.#reconnectDelay;
    this.#reconnectDelay = Math.min(this.#reconnectDelay * 2, 30_000);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      this.#connect();
    }, delay);
  }
}
