/**
 * An in-memory stand-in for the relayfile server's write routes, for unit tests of the writeback queue: it records
 * every request, answers from a script, and can hold requests until the test lets them go.
 */
import type { BulkFile, BulkResponse, Operation, WriteQueued } from "../../src/protocol/wire.ts";
import { HttpError } from "../../src/remote/errors.ts";
import type { Transport } from "../../src/writeback/sender.ts";

export type Answer = "ok" | Error | { conflict: true };

export interface FakeRequest {
  kind: "bulk" | "delete" | "ops";
  paths: string[];
  files: BulkFile[];
}

export class FakeTransport implements Transport {
  readonly requests: FakeRequest[] = [];
  /** Decides the answer per file (bulk) or path (delete); a thrown Error fails the whole request. */
  answer: (path: string, request: FakeRequest) => Answer = () => "ok";
  #revision = 0;
  /**
   * With a provider behind it, the server names an op for each accepted write (`pending` until the test sets its
   * status in `ops`), and answers `GET ops` from them; without, it names none (receipts do not apply).
   */
  provider: "none" | "pending" | "no-ops-route" = "none";
  readonly ops = new Map<string, Operation>();
  #opSeq = 0;
  #held: (() => void)[] = [];
  #holding = false;

  /** Requests from now on wait until `release()`. */
  hold(): void {
    this.#holding = true;
  }

  release(): void {
    this.#holding = false;
    this.#held.splice(0).forEach((go) => go());
  }

  /** Resolves once `count` requests have been made. */
  async requested(count: number): Promise<void> {
    for (let turn = 0; this.requests.length < count; turn++) {
      if (turn > 10_000) throw new Error(`only ${this.requests.length} of ${count} requests were made`);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  get held(): number {
    return this.#held.length;
  }

  async bulkWrite(files: BulkFile[]): Promise<BulkResponse> {
    const request: FakeRequest = { kind: "bulk", paths: files.map((file) => file.path), files };
    this.requests.push(request);
    await this.#wait();
    const results: BulkResponse["results"] = [];
    const errors: BulkResponse["errors"] = [];
    for (const file of files) {
      const answer = this.answer(file.path, request);
      if (answer instanceof Error) throw answer;
      if (answer === "ok") {
        const revision = `rev_${++this.#revision}`;
        results.push({ path: file.path, revision, ...this.#accept(file.path, revision) });
      } else errors.push({ path: file.path, code: "conflict", message: "revision conflict" });
    }
    return { results, errors };
  }

  async deleteFile(path: string, _ifMatch: string): Promise<WriteQueued> {
    const request: FakeRequest = { kind: "delete", paths: [path], files: [] };
    this.requests.push(request);
    await this.#wait();
    const answer = this.answer(path, request);
    if (answer instanceof Error) throw answer;
    return this.#accept(path, "");
  }

  /** `GET ops`: newest first, paged by op id. */
  listOps(query: { cursor?: string; limit?: number } = {}): Promise<{ items: Operation[]; nextCursor: string | null }> {
    this.requests.push({ kind: "ops", paths: [], files: [] });
    if (this.provider === "no-ops-route") return Promise.reject(new HttpError(404, { code: "not_found" }));
    const all = [...this.ops.values()].reverse();
    const start = query.cursor ? all.findIndex((op) => op.opId === query.cursor) + 1 : 0;
    const limit = query.limit ?? 200;
    const items = all.slice(start, start + limit);
    return Promise.resolve({ items, nextCursor: start + limit < all.length ? items.at(-1)!.opId : null });
  }

  /** Sets what the provider said of the op of `path` (the newest one). */
  settleOp(path: string, status: string, lastError?: string): void {
    const op = [...this.ops.values()].reverse().find((candidate) => candidate.path === path);
    if (!op) throw new Error(`no server op for ${path}`);
    op.status = status;
    if (lastError) op.lastError = lastError;
  }

  #accept(path: string, revision: string): { opId?: string; writeback?: { state: string } } {
    if (this.provider === "none") return {};
    const opId = `op_${++this.#opSeq}`;
    this.ops.set(opId, { opId, path, revision, status: "pending", provider: path.split("/")[1] ?? "" });
    return { opId, writeback: { state: "pending" } };
  }

  #wait(): Promise<void> {
    return this.#holding ? new Promise((resolve) => this.#held.push(resolve)) : Promise.resolve();
  }
}
