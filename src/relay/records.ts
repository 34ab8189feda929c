/**
 * The shapes of this project's writeback records under `.relay/`: an op on its way to the server (`outbox/`) and the
 * dead letter it becomes when it cannot get there (`dead-letter/`). Types only; their schemas are in `_schemas.ts`,
 * their readers and writers in `outbox.ts` and `dead_letter.ts`.
 */
import type { Classification, NextAction } from "./classify.ts";

export const OP_KINDS = ["create", "update", "delete"] as const;
export type OpKind = typeof OP_KINDS[number];

/**
 * States of an op that still lives in the outbox. `accepted`: the server has it (202) and the op waits for the
 * provider's receipt (`GET ops`), not for a send.
 */
export type LiveState = "pending" | "in_flight" | "retry_wait" | "accepted";

/** The server's op for an accepted write: what the provider's receipt is asked about. */
export interface Receipt {
  /** The server's op id (`op_N`), not ours. */
  serverOpId: string;
  acceptedAt: string;
  /** The revision the server gave the write; null for a delete. */
  revision: string | null;
}

/** What the provider said of a write it refused, kept in the dead letter. */
export interface ProviderRefusal {
  serverOpId: string;
  /** The provider (the path's first segment), when the server names it. */
  name: string;
  /** The server's op status: `failed`, `dead_lettered` or `canceled`. */
  status: string;
  error: string;
  result?: Record<string, unknown>;
}

/** One attempt to send an op, kept in its history. `status` 0 = no HTTP answer (network error, timeout). */
export interface Attempt {
  at: string;
  status: number;
  code?: string;
  error: string;
}

/** A small payload carried in the op record itself (one file to persist per op); larger ones live in blobs/. */
export interface InlinePayload {
  content: string;
  encoding: "" | "base64";
}

export interface WritebackOp {
  schemaVersion: 1;
  opId: string;
  /** Normalised remote path. */
  path: string;
  kind: OpKind;
  state: LiveState;
  /** SHA-256 of the payload in `.relay/blobs/`; null for a delete. */
  contentHash: string | null;
  contentType?: string;
  /** The revision the change was made on; null when the path was never on the server. */
  baseRevision: string | null;
  /** Attempts in the current budget (reset by `writeback retry`). */
  attempts: number;
  createdAt: string;
  updatedAt: string;
  /** When a `retry_wait` op may go out again. */
  notBefore?: string;
  payload?: InlinePayload;
  /** The wire size of a payload kept in `blobs/` (text length, or base64 length): what batches are sized by. */
  payloadBytes?: number;
  history: Attempt[];
  /** Set once the server accepted the op (`accepted`). */
  receipt?: Receipt;
}

/** A dead-lettered op: the Go seed fields first, then ours (design.md, on-disk layout). */
export interface DeadLetterRecord {
  opId: string;
  path: string;
  attempts: number;
  lastStatus: number;
  lastBody: string;
  ts: string;
  schemaVersion: 1;
  kind: OpKind;
  baseRevision: string | null;
  contentHash: string | null;
  contentType?: string;
  classification: Classification;
  nextAction: NextAction;
  createdAt: string;
  history: Attempt[];
  /** For a write the server took and the provider refused (`classification: "provider"`). */
  provider?: ProviderRefusal;
}
