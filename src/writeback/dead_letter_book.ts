/**
 * The mount's dead letters, as the live queue keeps them: one per path at most, its payload kept in blobs/, its
 * content not sent again until it changes. Writes and removes the records (through `relay/`); the marks in memory
 * are the one answer to "is this path dead-lettered?".
 */
import type { Log } from "../lib/log.ts";
import { fromWire } from "../protocol/content.ts";
import { putBlob } from "../relay/blobs.ts";
import { type Classification, classifyFailure, type NextAction, nextActionFor } from "../relay/classify.ts";
import { deadLetterFile, readDeadLetter, writeDeadLetter } from "../relay/dead_letter.ts";
import { readDeadLettersCached } from "../relay/dead_letter_index.ts";
import { discardDeadLetter, removeDeadLetterFiles } from "../relay/discard.ts";
import type { ProviderRefusal } from "../relay/records.ts";
import { deadLetterOf, type WritebackOp } from "./op.ts";
import type { Failure } from "./policy.ts";
import { sampleBody } from "../lib/redact.ts";

/** A path's dead letter: its content is not sent again until it changes. */
export interface DeadLetterMark {
  opId: string;
  contentHash: string | null;
}

export interface DeadLetterEntryInput {
  failure: Failure;
  body: string;
  classification?: Classification;
  nextAction?: NextAction;
  provider?: ProviderRefusal;
}

export class DeadLetterBook {
  readonly #mountDir: string;
  readonly #now: () => number;
  readonly #log: Log;
  readonly #marks = new Map<string, DeadLetterMark>();

  constructor(mountDir: string, options: { now: () => number; log: Log }) {
    this.#mountDir = mountDir;
    this.#now = options.now;
    this.#log = options.log;
  }

  /**
   * Our dead letters on disk (the Go tools' are theirs to keep), through the folder's index when it is current: a
   * mount opening a folder of 10,000 records reads one file instead of 10,000.
   */
  async load(): Promise<void> {
    const { entries } = await readDeadLettersCached(this.#mountDir);
    for (const entry of entries) {
      if (entry.record) this.#marks.set(entry.record.path, { opId: entry.opId, contentHash: entry.record.contentHash });
    }
  }

  get count(): number {
    return this.#marks.size;
  }

  has(path: string): boolean {
    return this.#marks.has(path);
  }

  /** True when this content of this path was dead-lettered and has not changed since. */
  isDeadLettered(path: string, contentHash: string | null): boolean {
    const mark = this.#marks.get(path);
    return mark !== undefined && mark.contentHash === contentHash;
  }

  /** The op leaves the outbox for a dead-letter record that keeps its payload in blobs/; it replaces the path's. */
  async record(op: WritebackOp, input: DeadLetterEntryInput): Promise<void> {
    const { failure } = input;
    if (op.payload) {
      const bytes = fromWire(op.payload.content, op.payload.encoding);
      if (bytes) await putBlob(this.#mountDir, bytes);
    }
    const classification = input.classification ?? classifyFailure(failure.status, failure.code);
    const record = deadLetterOf(op, {
      status: failure.status,
      body: sampleBody(input.body || failure.message),
      classification,
      nextAction: input.nextAction ?? nextActionFor(classification),
    }, new Date(this.#now()));
    if (input.provider) record.provider = input.provider;
    await writeDeadLetter(this.#mountDir, record);
    await this.clearOlder(op.path, op.opId);
    this.#marks.set(op.path, { opId: op.opId, contentHash: op.contentHash });
    this.#log(`dead-lettered ${op.opId} ${op.path}: ${failure.status || "no answer"} ${failure.message}`, {
      event: "dead-letter",
      path: op.path,
    });
  }

  /** A newer op of the path went through: the path's older dead letter, if any, is gone. */
  async clearOlder(path: string, opId: string): Promise<void> {
    const mark = this.#marks.get(path);
    if (!mark || mark.opId === opId) return;
    await removeDeadLetterFiles({ files: [deadLetterFile(this.#mountDir, mark.opId)] });
    this.forget(path, mark.opId);
  }

  /** Forgets a path's mark, if it is still `opId`'s (the record was taken back by `writeback retry`). */
  forget(path: string, opId: string): void {
    if (this.#marks.get(path)?.opId === opId) this.#marks.delete(path);
  }

  /**
   * The path's dead letter no longer stands for anything (its file was deleted before it ever reached the
   * server): the record is discarded, with a line in the discard log saying `why`.
   */
  async discard(path: string, why: string): Promise<void> {
    const mark = this.#marks.get(path);
    if (!mark) return;
    const read = await readDeadLetter(this.#mountDir, mark.opId);
    if (read && "entry" in read) await discardDeadLetter(this.#mountDir, read.entry, new Date(this.#now()), why);
    this.forget(path, mark.opId);
    this.#log(`discarded dead letter ${mark.opId} ${path}: ${why}`);
  }
}
