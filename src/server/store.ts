/**
 * The local server's storage: files with revisions, the event log, ops and write identities, in SQLite
 * (`node:sqlite`). Every method is synchronous and callers wrap one request in one `transaction`, so what was answered
 * 2xx is committed (WAL, `synchronous=FULL`) and survives `kill -9`.
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { containsPath, providerOfStorePath } from "./paths.ts";
import { SCHEMA, SCHEMA_VERSION } from "./store_schema.ts";

export interface StoredFile {
  path: string;
  revision: string;
  contentType: string;
  /** Wire form: UTF-8 text, or base64 when `encoding` is `base64`. */
  content: string;
  encoding: "" | "base64";
  provider: string;
  updatedAt: string;
}

export type EventType = "file.created" | "file.updated" | "file.deleted";

export interface StoredEvent {
  eventId: string;
  type: EventType;
  path: string;
  revision: string;
  origin: string;
  provider: string;
  correlationId: string;
  timestamp: string;
}

export type OpAction = "file_upsert" | "file_delete";
export type OpStatus = "pending" | "running" | "succeeded" | "failed" | "dead_lettered" | "canceled";

export interface StoredOp {
  opId: string;
  path: string;
  revision: string;
  action: OpAction;
  provider: string;
  status: OpStatus;
  attemptCount: number;
  lastError?: string;
  providerResult?: Record<string, unknown>;
  correlationId: string;
  createdAt: string;
  updatedAt: string;
  completedAt?: string;
}

/** What a write needs besides its content: its correlation id, the time, and the status its op starts with. */
export interface WriteContext {
  correlationId: string;
  now: Date;
  /** The provider's first word on the op (default: succeeded at once). */
  opOutcome?: (path: string) => { status: OpStatus; lastError?: string };
}

export interface FileWrite {
  path: string;
  contentType: string;
  content: string;
  encoding: "" | "base64";
}

/** A write or delete that happened: the new state, its event and its op. */
export interface Change {
  file: StoredFile | null;
  event: StoredEvent;
  op: StoredOp;
}

export class Store {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  private constructor(db: DatabaseSync) {
    this.#db = db;
  }

  static open(file: string): Store {
    const db = new DatabaseSync(file);
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;");
    db.exec(SCHEMA);
    // Databases made before ops kept the provider's result.
    const columns = db.prepare("PRAGMA table_info(ops)").all().map((column) => String(column.name));
    if (!columns.includes("provider_result")) db.exec("ALTER TABLE ops ADD COLUMN provider_result TEXT");
    db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('schemaVersion', ?)").run(String(SCHEMA_VERSION));
    return new Store(db);
  }

  close(): void {
    this.#db.close();
  }

  /** Runs `work` in one immediate transaction; a throw rolls everything back. */
  transaction<T>(work: () => T): T {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const result = work();
      this.#db.exec("COMMIT");
      return result;
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  getFile(workspace: string, path: string): StoredFile | undefined {
    const row = this.#sql("SELECT * FROM files WHERE workspace = ? AND path = ?").get(workspace, path);
    return row ? toFile(row) : undefined;
  }

  /** Files under `root` (containment rules), sorted by path. */
  listFiles(workspace: string, root: string): StoredFile[] {
    const rows = root === "/"
      ? this.#sql("SELECT * FROM files WHERE workspace = ? ORDER BY path").all(workspace)
      : this.#sql(
        "SELECT * FROM files WHERE workspace = ? AND (path = ? OR (path >= ? AND path < ?)) ORDER BY path",
      ).all(workspace, root, `${root}/`, `${root}0`); // '0' sorts right after '/'
    return rows.map(toFile).filter((file) => containsPath(root, file.path));
  }

  countFiles(workspace: string): number {
    return Number(this.#sql("SELECT count(*) AS n FROM files WHERE workspace = ?").get(workspace)!.n);
  }

  /** Writes a file (a new revision), appends its event and a succeeded op. Call inside a transaction. */
  writeFile(workspace: string, write: FileWrite, context: WriteContext): Change {
    const existed = this.getFile(workspace, write.path) !== undefined;
    const timestamp = context.now.toISOString();
    const file: StoredFile = {
      ...write,
      revision: `rev_${this.#next(workspace, "revision")}`,
      provider: providerOfStorePath(write.path),
      updatedAt: timestamp,
    };
    this.#sql(
      `INSERT INTO files (workspace, path, revision, content_type, content, encoding, provider, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (workspace, path) DO UPDATE SET revision = excluded.revision, content_type = excluded.content_type,
         content = excluded.content, encoding = excluded.encoding, provider = excluded.provider,
         updated_at = excluded.updated_at`,
    ).run(workspace, file.path, file.revision, file.contentType, file.content, file.encoding, file.provider, timestamp);
    const event = this.#appendEvent(workspace, existed ? "file.updated" : "file.created", file, context);
    const op = this.#recordOp(workspace, "file_upsert", file.path, file.revision, context);
    return { file, event, op };
  }

  /** Deletes a file, appends its event and a succeeded op. Call inside a transaction. */
  deleteFile(workspace: string, existing: StoredFile, context: WriteContext): Change {
    this.#sql("DELETE FROM files WHERE workspace = ? AND path = ?").run(workspace, existing.path);
    const event = this.#appendEvent(workspace, "file.deleted", existing, context);
    const op = this.#recordOp(workspace, "file_delete", existing.path, existing.revision, context);
    return { file: null, event, op };
  }

  /** An op for a write that was refused, so the response can name it (`X-Relayfile-Op-Id`). */
  recordFailedOp(
    workspace: string,
    failure: { path: string; action: OpAction; error: string },
    context: { correlationId: string; now: Date },
  ): StoredOp {
    return this.#recordOp(workspace, failure.action, failure.path, "", {
      ...context,
      opOutcome: () => ({ status: "failed", lastError: failure.error }),
    });
  }

  /** Ops a provider consumer still has to act on (`pending` or `running`), oldest first. */
  pendingWritebacks(workspace: string): StoredOp[] {
    return this.#sql(
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
    const op = this.getOp(workspace, opId);
    if (!op) return undefined;
    const at = now.toISOString();
    const { providerRevision: _serverOwned, ...result } = ack.providerResult ?? {};
    const providerResult = ack.providerResult ? { ...op.providerResult, ...result } : op.providerResult;
    this.#sql(
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
    return this.getOp(workspace, opId);
  }

  /** A dead-lettered op goes back to the provider with a fresh count. Call inside a transaction. */
  replay(workspace: string, op: StoredOp, outcome: { status: OpStatus; lastError?: string }, now: Date): StoredOp {
    const at = now.toISOString();
    this.#sql(
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
    return this.getOp(workspace, op.opId)!;
  }

  getOp(workspace: string, opId: string): StoredOp | undefined {
    const seq = idNumber(opId, "op_");
    if (seq === undefined) return undefined;
    const row = this.#sql("SELECT * FROM ops WHERE workspace = ? AND seq = ?").get(workspace, seq);
    return row ? toOp(row) : undefined;
  }

  /** Ops newest first, after `cursor` (an op id); `undefined` when the cursor is unknown. */
  listOps(
    workspace: string,
    filter: { status?: string; action?: string; provider?: string; cursor?: string; limit: number },
  ): { items: StoredOp[]; nextCursor: string | null } | undefined {
    let before = Number.MAX_SAFE_INTEGER;
    if (filter.cursor) {
      const seq = idNumber(filter.cursor, "op_");
      if (seq === undefined || !this.#sql("SELECT 1 FROM ops WHERE workspace = ? AND seq = ?").get(workspace, seq)) {
        return undefined;
      }
      before = seq;
    }
    const rows = this.#sql(
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

  /**
   * The change feed (spec §1.7.7): the page starts after `cursor` (an unknown cursor restarts from the first event);
   * `nextCursor` is the last event of the page only when more remain. `desc` pages backwards from the newest.
   */
  listEvents(
    workspace: string,
    query: { provider?: string; cursor?: string; limit: number; descending?: boolean },
  ): { events: StoredEvent[]; nextCursor: string | null } {
    const cursorSeq = query.cursor ? this.#eventSeq(workspace, query.cursor) : undefined;
    const provider = query.provider?.trim().toLowerCase() ?? "";
    const rows = query.descending
      ? this.#sql(
        `SELECT * FROM events WHERE workspace = ? AND seq < ? AND (? = '' OR provider = ?) ORDER BY seq DESC LIMIT ?`,
      ).all(workspace, cursorSeq ?? Number.MAX_SAFE_INTEGER, provider, provider, query.limit + 1)
      : this.#sql(
        `SELECT * FROM events WHERE workspace = ? AND seq > ? AND (? = '' OR provider = ?) ORDER BY seq LIMIT ?`,
      ).all(workspace, cursorSeq ?? 0, provider, provider, query.limit + 1);
    const events = rows.slice(0, query.limit).map(toEvent);
    return { events, nextCursor: rows.length > query.limit ? events.at(-1)!.eventId : null };
  }

  /** The last `count` events, oldest first (WebSocket catch-up). */
  recentEvents(workspace: string, count: number): StoredEvent[] {
    return this.#sql("SELECT * FROM events WHERE workspace = ? ORDER BY seq DESC LIMIT ?").all(workspace, count)
      .map(toEvent).reverse();
  }

  /** Events after `eventId`, oldest first, at most `limit`; `undefined` when the id is unknown. */
  eventsAfter(workspace: string, eventId: string, limit: number): StoredEvent[] | undefined {
    const seq = this.#eventSeq(workspace, eventId);
    if (seq === undefined) return undefined;
    return this.#sql("SELECT * FROM events WHERE workspace = ? AND seq > ? ORDER BY seq LIMIT ?").all(
      workspace,
      seq,
      limit,
    ).map(toEvent);
  }

  /** The stored result of a write with this content identity, while it has not expired. */
  findIdentity(workspace: string, kind: string, key: string, nowMs: number): unknown | undefined {
    const row = this.#sql("SELECT result, expires_at FROM identities WHERE workspace = ? AND kind = ? AND key = ?").get(
      workspace,
      kind,
      key,
    );
    if (!row || Number(row.expires_at) <= nowMs) return undefined;
    return JSON.parse(String(row.result));
  }

  saveIdentity(workspace: string, kind: string, key: string, expiresAtMs: number, result: unknown): void {
    this.#sql(
      `INSERT INTO identities (workspace, kind, key, expires_at, result) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (workspace, kind, key) DO UPDATE SET expires_at = excluded.expires_at, result = excluded.result`,
    ).run(workspace, kind, key, expiresAtMs, JSON.stringify(result));
  }

  #eventSeq(workspace: string, eventId: string): number | undefined {
    const seq = idNumber(eventId, "evt_");
    if (seq === undefined) return undefined;
    return this.#sql("SELECT 1 FROM events WHERE workspace = ? AND seq = ?").get(workspace, seq) ? seq : undefined;
  }

  #appendEvent(
    workspace: string,
    type: EventType,
    file: StoredFile,
    context: { correlationId: string; now: Date },
  ): StoredEvent {
    const seq = this.#next(workspace, "event");
    const event: StoredEvent = {
      eventId: `evt_${seq}`,
      type,
      path: file.path,
      revision: file.revision,
      origin: "agent_write",
      provider: file.provider,
      correlationId: context.correlationId,
      timestamp: context.now.toISOString(),
    };
    this.#sql(
      `INSERT INTO events (workspace, seq, type, path, revision, origin, provider, correlation_id, timestamp)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      workspace,
      seq,
      type,
      event.path,
      event.revision,
      event.origin,
      event.provider,
      event.correlationId,
      event.timestamp,
    );
    return event;
  }

  #recordOp(workspace: string, action: OpAction, path: string, revision: string, context: WriteContext): StoredOp {
    const { status, lastError } = context.opOutcome?.(path) ?? { status: "succeeded" as const };
    const seq = this.#next(workspace, "op");
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
    this.#sql(
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

  #next(workspace: string, name: string): number {
    const row = this.#sql(
      `INSERT INTO counters (workspace, name, value) VALUES (?, ?, 1)
       ON CONFLICT (workspace, name) DO UPDATE SET value = value + 1 RETURNING value`,
    ).get(workspace, name);
    return Number(row!.value);
  }

  #sql(text: string): StatementSync {
    let statement = this.#statements.get(text);
    if (!statement) {
      statement = this.#db.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }
}

function isTerminal(status: OpStatus): boolean {
  return status === "succeeded" || status === "failed" || status === "dead_lettered" || status === "canceled";
}

function idNumber(id: string, prefix: string): number | undefined {
  if (!id.startsWith(prefix)) return undefined;
  const digits = id.slice(prefix.length);
  return /^\d{1,15}$/.test(digits) ? Number(digits) : undefined;
}

type Row = Record<string, unknown>;

function toFile(row: Row): StoredFile {
  return {
    path: String(row.path),
    revision: String(row.revision),
    contentType: String(row.content_type),
    content: String(row.content),
    encoding: row.encoding === "base64" ? "base64" : "",
    provider: String(row.provider),
    updatedAt: String(row.updated_at),
  };
}

function toEvent(row: Row): StoredEvent {
  return {
    eventId: `evt_${row.seq}`,
    type: String(row.type) as EventType,
    path: String(row.path),
    revision: String(row.revision),
    origin: String(row.origin),
    provider: String(row.provider),
    correlationId: String(row.correlation_id),
    timestamp: String(row.timestamp),
  };
}

function toOp(row: Row): StoredOp {
  return {
    opId: `op_${row.seq}`,
    path: String(row.path),
    revision: String(row.revision),
    action: String(row.action) as OpAction,
    provider: String(row.provider),
    status: String(row.status) as OpStatus,
    attemptCount: Number(row.attempt_count),
    ...(row.last_error ? { lastError: String(row.last_error) } : {}),
    ...(row.provider_result ? { providerResult: JSON.parse(String(row.provider_result)) } : {}),
    correlationId: String(row.correlation_id),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
    ...(row.completed_at ? { completedAt: String(row.completed_at) } : {}),
  };
}
