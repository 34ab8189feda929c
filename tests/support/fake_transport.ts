/**
 * An in-memory stand-in for the relayfile server's write routes, for unit tests of the writeback queue: it records
 * every request, answers from a script, and can hold requests until the test lets them go.
 */
import type { BulkFile, BulkResponse } from "../../src/protocol/wire.ts";
import type { Transport } from "../../src/writeback/sender.ts";

export type Answer = "ok" | Error | { conflict: true };

export interface FakeRequest {
  kind: "bulk" | "delete";
  paths: string[];
  files: BulkFile[];
}

export class FakeTransport implements Transport {
  readonly requests: FakeRequest[] = [];
  /** Decides the answer per file (bulk) or path (delete); a thrown Error fails the whole request. */
  answer: (path: string, request: FakeRequest) => Answer = () => "ok";
  #revision = 0;
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
      if (answer === "ok") results.push({ path: file.path, revision: `rev_${++this.#revision}` });
      else errors.push({ path: file.path, code: "conflict", message: "revision conflict" });
    }
    return { results, errors };
  }

  async deleteFile(path: string, _ifMatch: string): Promise<void> {
    const request: FakeRequest = { kind: "delete", paths: [path], files: [] };
    this.requests.push(request);
    await this.#wait();
    const answer = this.answer(path, request);
    if (answer instanceof Error) throw answer;
  }

  #wait(): Promise<void> {
    return this.#holding ? new Promise((resolve) => this.#held.push(resolve)) : Promise.resolve();
  }
}
