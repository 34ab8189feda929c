/**
 * The ops log of the local server: one op per write, refused write, and delete, with the provider's status on it
 * (`pending` until a consumer acknowledges it in external mode), its result, and replays. Part of the `Store`.
 */
import { providerOfStorePath } from "./paths.ts";
import type { Sql } from "./sql.ts";
import {
  idNumber,
  isTerminal,
  type OpAction,
  type OpStatus,
  type StoredOp,
  toOp,
  type WriteContext,
} from "./store_rows.ts";

export class OpsLog {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  /** An op for a write that was refused, so the response can name it (`X-Relayfile-Op-Id`). */
  recordFailed(
    workspace: string,
    failure: { path: string; action: OpAction; error: string },
    context: { correlationId: string; now: Date },
  ): StoredOp {
    return this.record(workspace, failure.action, failure.path, "", {
      ...context,
      opOutcome: () => ({ status: "failed", lastError: failure.error }),
    });
  }

  /** Ops a provider consumer still has to act on (`pending` or `running`), oldest first. */
  pending(workspace: string): StoredOp[] {
    return this.#sql.statement(
      "SELECT * FROM ops WHERE workspace = ? AND status IN ('pending', 'running') ORDER BY seq",
    ).all(workspace).map(toOp);
  }

  /**
   * A provider consumer's word on an op: `succeeded`, or `dead_lettered` with its error. `undefined` for an unknown
   * op. Call inside a transaction.
   */
  acknowledge(
    workspace: string,
    opId: string,
    ack: { success: boolean; error?: string; providerResult?: Record<string, unknown> },
    now: Date,
  ): StoredOp | undefined {
    const op = this.get(workspace, opId);
    if (!op) return undefined;
    const at = now.toISOString();
    const { providerRevision: _serverOwned, ...result } = ack.providerResult ?? {};
    const providerResult = ack.providerResult ? { ...op.providerResult, ...result } : op.providerResult;
    this.#sql.statement(
      `UPDATE ops SET status = ?, last_error = ?, provider_result = ?, updated_at = ?, completed_at = ?
       WHERE workspace = ? AND seq = ?`,
    ).run(
      ack.success ? "succeeded" : "dead_lettered",
      ack.success ? null : (ack.error ?? "the provider refused the write"),
      providerResult ? JSON.stringify(providerResult) : null,
      at,
      at,
      workspace,
      idNumber(opId, "op_")!,
    );
    return this.get(workspace, opId);
  }

  /** A dead-lettered op goes back to the provider with a fresh count. Call inside a transaction. */
  replay(workspace: string, op: StoredOp, outcome: { status: OpStatus; lastError?: string }, now: Date): StoredOp {
    const at = now.toISOString();
    this.#sql.statement(
      `UPDATE ops SET status = ?, attempt_count = 0, last_error = ?, updated_at = ?, completed_at = ?
       WHERE workspace = ? AND seq = ?`,
    ).run(
      outcome.status,
      outcome.lastError ?? null,
      at,
      isTerminal(outcome.status) ? at : null,
      workspace,
      idNumber(op.opId, "op_")!,
    );
    return this.get(workspace, op.opId)!;
  }

  get(workspace: string, opId: string): StoredOp | undefined {
    const seq = idNumber(opId, "op_");
    if (seq === undefined) return undefined;
    const row = this.#sql.statement("SELECT * FROM ops WHERE workspace = ? AND seq = ?").get(workspace, seq);
    return row ? toOp(row) : undefined;
  }

  /** Ops newest first, after `cursor` (an op id); `undefined` when the cursor is unknown. */
  list(
    workspace: string,
    filter: { status?: string; action?: string; provider?: string; cursor?: string; limit: number },
  ): { items: StoredOp[]; nextCursor: string | null } | undefined {
    let before = Number.MAX_SAFE_INTEGER;
    if (filter.cursor) {
      const seq = idNumber(filter.cursor, "op_");
      if (
        seq === undefined ||
        !this.#sql.statement("SELECT 1 FROM ops WHERE workspace = ? AND seq = ?").get(workspace, seq)
      ) {
        return undefined;
      }
      before = seq;
    }
    const rows = this.#sql.statement(
      `SELECT * FROM ops WHERE workspace = ? AND seq < ?
         AND (? = '' OR status = ?) AND (? = '' OR action = ?) AND (? = '' OR provider = ?)
       ORDER BY seq DESC LIMIT ?`,
    ).all(
      workspace,
      before,
      filter.status ?? "",
      filter.status ?? "",
      filter.action ?? "",
      filter.action ?? "",
      filter.provider ?? "",
      filter.provider ?? "",
      filter.limit + 1,
    );
    const items = rows.slice(0, filter.limit).map(toOp);
    return { items, nextCursor: rows.length > filter.limit ? items.at(-1)!.opId : null };
  }

  /** Appends an op for a write or delete; its status is the provider's first word (`opOutcome`). */
  record(workspace: string, action: OpAction, path: string, revision: string, context: WriteContext): StoredOp {
    const { status, lastError } = context.opOutcome?.(path) ?? { status: "succeeded" as const };
    const seq = this.#sql.next(workspace, "op");
    const at = context.now.toISOString();
    const terminal = isTerminal(status);
    const op: StoredOp = {
      opId: `op_${seq}`,
      path,
      revision,
      action,
      provider: providerOfStorePath(path),
      status,
      attemptCount: 1,
      ...(lastError ? { lastError } : {}),
      correlationId: context.correlationId,
      createdAt: at,
      updatedAt: at,
      ...(terminal ? { completedAt: at } : {}),
    };
    this.#sql.statement(
      `INSERT INTO ops (workspace, seq, path, revision, action, provider, status, attempt_count, last_error,
         correlation_id, created_at, updated_at, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      workspace,
      seq,
      path,
      revision,
      action,
      op.provider,
      status,
      1,
      lastError ?? null,
      op.correlationId,
      at,
      at,
      terminal ? at : null,
    );
    return op;
  }
}
