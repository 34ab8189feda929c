/**
 * What the queue does with each answer: a send's result (deliver to the mount, retry, wait for credentials,
 * dead-letter), the mount having taken a delivery in (settle, or wait for the provider's receipt), and a receipt
 * (delivered, or a provider dead letter). The decisions are the pure policy's and the op's transitions; this file
 * carries them out on the queue's parts.
 */
import type { Log } from "../lib/log.ts";
import type { ProviderRefusal } from "../relay/records.ts";
import type { DeadLetterBook } from "./dead_letter_book.ts";
import { afterFailure, transition, type WritebackOp } from "./op.ts";
import type { OpTable } from "./op_table.ts";
import type { OutboxFiles } from "./outbox_files.ts";
import { decide, type Failure, type RetryPolicy } from "./policy.ts";
import type { ReceiptTracker, ReceiptVerdict } from "./receipts.ts";
import type { SendResult } from "./sender.ts";

/** What the mount must take in: an op on the server at `revision` (null after a delete), or a conflict. */
export type Delivery =
  | { kind: "committed"; op: WritebackOp; revision: string | null; receipt?: ServerReceipt }
  | { kind: "conflict"; op: WritebackOp };

/** The server's op for an accepted write and what it said of the provider's side so far. */
export interface ServerReceipt {
  serverOpId: string;
  /** `succeeded`, `pending`, `dead_lettered`, …; undefined when the server did not say. */
  state?: string;
}

export interface QueueParts {
  mountDir: string;
  table: OpTable;
  book: DeadLetterBook;
  receipts: ReceiptTracker;
  outbox: OutboxFiles;
  policy: RetryPolicy;
  now(): number;
  random(): number;
  reloadToken(): Promise<boolean>;
  log: Log;
  countFailedAttempt(): void;
  /** A 401 no new token fixed: sending pauses until the credentials change. */
  pauseForCredentials(): void;
  /** Ops leave the table and the outbox. */
  settle(ops: readonly WritebackOp[]): Promise<void>;
  /** Per path, the creation time of the newest op the provider has: an older op's refusal no longer counts. */
  deliveredAt: Map<string, string>;
}

const REFUSED_AT_ONCE = new Set(["failed", "dead_lettered", "canceled"]);

/** What each send came to: deliveries for the mount, a retry, or a dead letter. */
export async function applyResults(parts: QueueParts, results: readonly SendResult[]): Promise<Delivery[]> {
  const delivered: Delivery[] = [];
  for (const result of results) {
    switch (result.outcome) {
      case "committed":
        delivered.push({
          kind: "committed",
          op: result.op,
          revision: result.revision,
          ...(result.receipt ? { receipt: result.receipt } : {}),
        });
        break;
      case "nothing-to-send":
        await parts.settle([result.op]);
        break;
      case "stopped":
        parts.table.put(transition(result.op, { type: "recovered" }));
        break;
      case "payload-missing":
        await deadLetter(parts, result.op, {
          failure: { status: 0, message: "the payload of this op is gone", code: "payload_missing" },
          body: "",
          classification: "unknown",
          nextAction: "inspect",
        });
        break;
      case "failed": {
        const conflict = await failed(parts, result.op, result.failure, result.body, result.charged);
        if (conflict) delivered.push({ kind: "conflict", op: conflict });
      }
    }
  }
  return delivered;
}

/**
 * One failed attempt: the policy decides, with the attempt charged to the op's budget only when `charged`;
 * returns the op when it met a conflict (a delivery for the mount).
 */
async function failed(
  parts: QueueParts,
  op: WritebackOp,
  failure: Failure,
  body: string,
  charged: boolean,
): Promise<WritebackOp | undefined> {
  const now = parts.now();
  parts.countFailedAttempt();
  const attempts = op.attempts + (charged ? 1 : 0);
  const decision = decide(failure, { attempts, createdAtMs: Date.parse(op.createdAt) }, {
    now,
    random: parts.random(),
    policy: parts.policy,
    reauthTried: false,
    charged,
  });
  const tokenChanged = decision.action === "reauth" ? await parts.reloadToken() : false;
  const next = afterFailure(op, failure, decision, { now, tokenChanged, charged });
  switch (next.outcome) {
    case "conflict":
      parts.table.put(next.op);
      return next.op;
    case "await_credentials":
      parts.table.put(next.op);
      await parts.outbox.write([next.op]);
      parts.pauseForCredentials();
      return undefined;
    case "retry_wait":
    case "resend":
      // A newer change of the path came while this one was on its way: it carries the newer content.
      if (parts.table.opFor(op.path)?.opId !== op.opId) {
        await parts.settle([op]);
        return undefined;
      }
      parts.table.put(next.op);
      await parts.outbox.write([next.op]);
      return undefined;
    case "dead_lettered":
      await deadLetter(parts, next.op, {
        failure,
        body,
        classification: next.classification,
        nextAction: next.nextAction,
      });
      return undefined;
  }
}

async function deadLetter(
  parts: QueueParts,
  op: WritebackOp,
  input: Parameters<DeadLetterBook["record"]>[1],
): Promise<void> {
  await parts.book.record(op, input);
  await parts.settle([op]);
}

/**
 * The mount has taken these deliveries in. A write the provider already has (or a server that names no op) leaves
 * the outbox; one the provider refused at once is a provider dead letter; any other waits for its receipt.
 */
export async function settleDelivered(parts: QueueParts, deliveries: readonly Delivery[]): Promise<void> {
  const done: WritebackOp[] = [];
  for (const delivery of deliveries) {
    const { op } = delivery;
    if (delivery.kind !== "committed") {
      done.push(op);
      continue;
    }
    await parts.book.clearOlder(op.path, op.opId);
    const receipt = delivery.receipt;
    if (!receipt || receipt.state === "succeeded" || parts.receipts.unavailable) {
      noteDelivered(parts, op);
      done.push(op);
    } else if (receipt.state !== undefined && REFUSED_AT_ONCE.has(receipt.state)) {
      parts.table.drop(op);
      await providerDeadLetter(parts, op, {
        serverOpId: receipt.serverOpId,
        name: "",
        status: receipt.state,
        error: `the provider's op is ${receipt.state}`,
      });
    } else {
      const accepted: WritebackOp = {
        ...op,
        state: "accepted",
        updatedAt: new Date(parts.now()).toISOString(),
        receipt: {
          serverOpId: receipt.serverOpId,
          acceptedAt: new Date(parts.now()).toISOString(),
          revision: delivery.revision,
        },
      };
      await parts.outbox.write([accepted]);
      parts.table.drop(op);
      parts.receipts.add(accepted);
    }
  }
  await parts.settle(done);
}

/** The provider's word on accepted ops. */
export async function applyVerdicts(parts: QueueParts, verdicts: readonly ReceiptVerdict[]): Promise<void> {
  for (const verdict of verdicts) {
    const { op } = verdict;
    if (verdict.kind === "delivered") {
      noteDelivered(parts, op);
      await parts.book.clearOlder(op.path, op.opId);
      // Older writes of the path still waiting no longer matter: the provider has a newer one.
      const older = parts.receipts.waiting().filter((other) =>
        other.path === op.path && other.createdAt < op.createdAt
      );
      parts.receipts.drop(older.map((other) => other.opId));
      await parts.outbox.remove([op, ...older]);
    } else if ((parts.deliveredAt.get(op.path) ?? "") > op.createdAt) {
      await parts.outbox.remove([op]); // refused, but the provider already has a newer write of the path
    } else {
      await providerDeadLetter(parts, op, verdict.refusal);
    }
  }
}

function noteDelivered(parts: QueueParts, op: WritebackOp): void {
  if ((parts.deliveredAt.get(op.path) ?? "") < op.createdAt) parts.deliveredAt.set(op.path, op.createdAt);
}

async function providerDeadLetter(parts: QueueParts, op: WritebackOp, refusal: ProviderRefusal): Promise<void> {
  await parts.book.record(op, {
    failure: { status: 202, code: refusal.status, message: `the provider refused it: ${refusal.error}` },
    body: refusal.error,
    classification: "provider",
    nextAction: refusal.status === "canceled" ? "inspect" : "retry",
    provider: refusal,
  });
  await parts.outbox.remove([op]);
}
