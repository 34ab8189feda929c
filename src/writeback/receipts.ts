/**
 * Receipts: a write is done when the provider has it, not when the server said 202. An op the server accepted waits
 * here (its record in the outbox, state `accepted`) until the server's op says `succeeded` (delivered) or `failed`,
 * `dead_lettered`, `canceled` (refused). One `GET ops` page answers for many ops at once; an op still pending is
 * asked again after a growing pause (1 s, 2 s, 4 s … 60 s). A server without `ops`, or a token without `ops:read`,
 * makes receipts unavailable: said once, and accepted writes then count as delivered.
 */
import type { Log } from "../lib/log.ts";
import { ceilingMs } from "../lib/backoff.ts";
import type { Operation } from "../protocol/wire.ts";
import type { RelayfileClient } from "../remote/client.ts";
import { HttpError } from "../remote/errors.ts";
import type { ProviderRefusal } from "../relay/records.ts";
import type { WritebackOp } from "./op.ts";

export type ReceiptVerdict =
  | { op: WritebackOp; kind: "delivered" }
  | { op: WritebackOp; kind: "refused"; refusal: ProviderRefusal };

export type ReceiptSource = Pick<RelayfileClient, "listOps">;

const BACKOFF = { baseMs: 1_000, capMs: 60_000 };
const PAGE_SIZE = 200;
const MAX_PAGES = 5;
const REFUSED = new Set(["failed", "dead_lettered", "canceled"]);

interface Wait {
  op: WritebackOp;
  checks: number;
  nextCheckAt: number;
}

/** The provider's word in an op status, pure: delivered, refused (with why), or not yet (`undefined`). */
export function verdictOf(
  operation: Operation,
): { kind: "delivered" } | { kind: "refused"; refusal: Omit<ProviderRefusal, "serverOpId"> } | undefined {
  if (operation.status === "succeeded") return { kind: "delivered" };
  if (!REFUSED.has(operation.status)) return undefined;
  return {
    kind: "refused",
    refusal: {
      name: operation.provider ?? "",
      status: operation.status,
      error: operation.lastError || `the provider's op is ${operation.status}`,
      ...(operation.providerResult ? { result: operation.providerResult } : {}),
    },
  };
}

/** The number in an op id (`op_12` → 12), for paging no further back than the oldest op waited for. */
function sequenceOf(opId: string | undefined): number | undefined {
  const match = /(\d+)$/.exec(opId ?? "");
  return match ? Number(match[1]) : undefined;
}

export class ReceiptTracker {
  readonly #source: ReceiptSource;
  readonly #now: () => number;
  readonly #log: Log;
  readonly #onVerdicts: (verdicts: ReceiptVerdict[]) => Promise<void>;
  readonly #waits = new Map<string, Wait>();
  readonly #backoff: typeof BACKOFF;
  #unavailable: string | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #polling: Promise<void> | undefined;
  #closed = false;

  constructor(
    source: ReceiptSource,
    options: {
      now: () => number;
      log: Log;
      onVerdicts: (verdicts: ReceiptVerdict[]) => Promise<void>;
      /** The longest pause between two asks (default 60 s): a command waiting on one write asks more often. */
      pollCapMs?: number;
    },
  ) {
    this.#backoff = { ...BACKOFF, capMs: options.pollCapMs ?? BACKOFF.capMs };
    this.#source = source;
    this.#now = options.now;
    this.#log = options.log;
    this.#onVerdicts = options.onVerdicts;
  }

  /** Why receipts cannot be read from this server, once that is known. */
  get unavailable(): string | undefined {
    return this.#unavailable;
  }

  get count(): number {
    return this.#waits.size;
  }

  /** The ops waiting, oldest accepted first. */
  waiting(): WritebackOp[] {
    return [...this.#waits.values()].map((wait) => wait.op)
      .sort((a, b) => (a.receipt?.acceptedAt ?? "").localeCompare(b.receipt?.acceptedAt ?? ""));
  }

  /** Waits for the receipt of an accepted op (its `accepted` record already persisted). */
  add(op: WritebackOp): void {
    if (this.#closed) return;
    this.#waits.set(op.opId, { op, checks: 0, nextCheckAt: this.#now() + this.#backoff.baseMs });
    this.#schedule();
  }

  /** Stops waiting for these ops (a newer write of their path was delivered). */
  drop(opIds: Iterable<string>): void {
    for (const opId of opIds) this.#waits.delete(opId);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#polling;
  }

  #schedule(): void {
    if (this.#closed || this.#polling) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    let earliest = Infinity;
    for (const wait of this.#waits.values()) earliest = Math.min(earliest, wait.nextCheckAt);
    if (earliest === Infinity) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#polling = this.#poll()
        .catch((error) =>
          this.#log(`reading receipts failed: ${error instanceof Error ? error.message : error}`, { level: "detail" })
        )
        .finally(() => {
          this.#polling = undefined;
          this.#schedule();
        });
    }, Math.max(0, earliest - this.#now()));
  }

  /** One round: the ops due are looked up in as few `GET ops` pages as reach back to the oldest of them. */
  async #poll(): Promise<void> {
    const now = this.#now();
    const due = new Map<string, Wait>();
    for (const wait of this.#waits.values()) {
      if (wait.nextCheckAt <= now && wait.op.receipt) due.set(wait.op.receipt.serverOpId, wait);
    }
    if (due.size === 0) return;
    const oldest = Math.min(...[...due.keys()].map((id) => sequenceOf(id) ?? 0));
    const verdicts: ReceiptVerdict[] = [];
    try {
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES && due.size > 0; page++) {
        const { items, nextCursor } = await this.#source.listOps({ limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
        for (const item of items) {
          const wait = due.get(item.opId);
          const verdict = wait && verdictOf(item);
          if (!wait || !verdict) continue;
          due.delete(item.opId);
          verdicts.push(
            verdict.kind === "delivered"
              ? { op: wait.op, kind: "delivered" }
              : { op: wait.op, kind: "refused", refusal: { serverOpId: item.opId, ...verdict.refusal } },
          );
        }
        const last = sequenceOf(items.at(-1)?.opId);
        if (!nextCursor || (last !== undefined && last <= oldest)) break;
        cursor = nextCursor;
      }
    } catch (error) {
      if (error instanceof HttpError && (error.status === 404 || error.status === 403)) {
        return await this.#giveUp(error.status === 404 ? "the server has no ops route" : "the token may not read ops");
      }
      throw error; // the due ops are asked again after their backoff, below (finally of #schedule)
    } finally {
      for (const wait of due.values()) {
        wait.checks++;
        wait.nextCheckAt = now + ceilingMs(this.#backoff, wait.checks + 1);
      }
    }
    for (const verdict of verdicts) this.#waits.delete(verdict.op.opId);
    if (verdicts.length > 0) await this.#onVerdicts(verdicts);
  }

  /** Receipts cannot be read here: said once, and every accepted op counts as delivered. */
  async #giveUp(reason: string): Promise<void> {
    this.#unavailable = reason;
    this.#log(`receipts unavailable (${reason}): writes the server accepted count as delivered`);
    const verdicts = [...this.#waits.values()].map(({ op }): ReceiptVerdict => ({ op, kind: "delivered" }));
    this.#waits.clear();
    if (verdicts.length > 0) await this.#onVerdicts(verdicts);
  }
}
