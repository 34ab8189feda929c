/** The benchmark's side of the server: seeding a workspace, and reading when the server committed each change. */

export interface SeedFile {
  path: string;
  content: string;
}

/** Content bytes per fs/bulk request: a file this size or smaller goes alone, under the server's 1 MiB limit. */
const BATCH_BYTES = 768 * 1024;

/** A workspace on the benchmark's server, reached with its own dev token. */
export class RemoteWorkspace {
  constructor(readonly server: string, readonly id: string, readonly token: string) {}

  async #call(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.server}/v1/workspaces/${this.id}/${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, "x-correlation-id": `bench_${crypto.randomUUID()}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
    return JSON.parse(text);
  }

  /**
   * Writes files through fs/bulk in batches well under the server's 1 MiB body limit. `files` may be a generator:
   * only one batch is held at a time, so seeding a 400 MB workspace does not take 400 MB here.
   */
  async write(files: Iterable<SeedFile>): Promise<void> {
    let batch: SeedFile[] = [];
    let bytes = 0;
    for (const file of files) {
      if (batch.length > 0 && (batch.length === 250 || bytes + file.content.length > BATCH_BYTES)) {
        await this.#call("POST", "fs/bulk", { files: batch });
        batch = [];
        bytes = 0;
      }
      batch.push(file);
      bytes += file.content.length;
    }
    if (batch.length > 0) await this.#call("POST", "fs/bulk", { files: batch });
  }

  /** Every file of the workspace in one fs/export response. */
  async exportAll(): Promise<unknown[]> {
    return await this.#call("GET", "fs/export?format=json&path=/") as unknown[];
  }

  /** The id of the newest event: commits after it are what the mount sent since. */
  async latestCursor(): Promise<string> {
    const page = await this.#call("GET", "fs/events?direction=desc&limit=1") as { events: { eventId: string }[] };
    return page.events[0]?.eventId ?? "";
  }

  /**
   * Waits until every path in `paths` has a create or update event after `cursor`, or until `timeoutMs`, and returns
   * the server's commit time (epoch ms) of each path seen. The server stamps the time, so how often this polls does
   * not change what it measures.
   */
  async waitForCommits(cursor: string, paths: Iterable<string>, timeoutMs: number): Promise<Map<string, number>> {
    const wanted = new Set(paths);
    const committed = new Map<string, number>();
    const deadline = performance.now() + timeoutMs;
    while (committed.size < wanted.size && performance.now() < deadline) {
      const query = `fs/events?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page = await this.#call("GET", query) as { events: CommitEvent[]; nextCursor: string | null };
      for (const event of page.events) {
        if (wanted.has(event.path) && !committed.has(event.path) && /^file\.(created|updated)$/.test(event.type)) {
          committed.set(event.path, Date.parse(event.timestamp));
        }
      }
      cursor = page.events.at(-1)?.eventId ?? cursor;
      if (page.nextCursor === null) await sleep(20);
    }
    return committed;
  }
}

interface CommitEvent {
  eventId: string;
  type: string;
  path: string;
  timestamp: string;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
