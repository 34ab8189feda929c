/**
 * The local server's storage: files with revisions, the event log, ops and write identities, in SQLite
 * (`node:sqlite`). Every method is synchronous and callers wrap one request in one `transaction`, so what was answered
 * 2xx is committed (WAL, `synchronous=FULL`) and survives `kill -9`.
 */
import { DatabaseSync } from "node:sqlite";
import { containsPath, providerOfStorePath } from "./paths.ts";
import { Sql } from "./sql.ts";
import { OpsLog } from "./store_ops.ts";
import { SCHEMA, SCHEMA_VERSION } from "./store_schema.ts";
import {
  type Change,
  type EventType,
  type FileEntry,
  type FileWrite,
  idNumber,
  type StoredEvent,
  type StoredFile,
  toEvent,
  toFile,
  toFileEntry,
  type WriteContext,
} from "./store_rows.ts";

export * from "./store_rows.ts";

export class Store {
  readonly #db: DatabaseSync;
  readonly #sql: Sql;
  /** The ops log: writes' ops, their provider status, acks and replays. */
  readonly ops: OpsLog;

  private constructor(db: DatabaseSync) {
    this.#db = db;
    this.#sql = new Sql(db);
    this.ops = new OpsLog(this.#sql);
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
    const row = this.#sql.statement("SELECT * FROM files WHERE workspace = ? AND path = ?").get(workspace, path);
    return row ? toFile(row) : undefined;
  }

  /** Files under `root` (containment rules), sorted by path. */
  listFiles(workspace: string, root: string): StoredFile[] {
    return this.#filesUnder("*", workspace, root).map(toFile).filter((file) => containsPath(root, file.path));
  }

  /** What a listing shows of the files under `root`, sorted by path: their content is not read. */
  listEntries(workspace: string, root: string): FileEntry[] {
    const columns = "path, revision, provider, updated_at, length(CAST(content AS BLOB)) AS size";
    return this.#filesUnder(columns, workspace, root).map(toFileEntry).filter((entry) =>
      containsPath(root, entry.path)
    );
  }

  #filesUnder(columns: string, workspace: string, root: string) {
    return root === "/"
      ? this.#sql.statement(`SELECT ${columns} FROM files WHERE workspace = ? ORDER BY path`).all(workspace)
      : this.#sql.statement(
        `SELECT ${columns} FROM files WHERE workspace = ? AND (path = ? OR (path >= ? AND path < ?)) ORDER BY path`,
      ).all(workspace, root, `${root}/`, `${root}0`); // '0' sorts right after '/'
  }

  countFiles(workspace: string): number {
    return Number(this.#sql.statement("SELECT count(*) AS n FROM files WHERE workspace = ?").get(workspace)!.n);
  }

  /** Writes a file (a new revision), appends its event and a succeeded op. Call inside a transaction. */
  writeFile(workspace: string, write: FileWrite, context: WriteContext): Change {
    const existed = this.getFile(workspace, write.path) !== undefined;
    const timestamp = context.now.toISOString();
    const file: StoredFile = {
      ...write,
      revision: `rev_${this.#sql.next(workspace, "revision")}`,
      provider: providerOfStorePath(write.path),
      updatedAt: timestamp,
    };
    this.#sql.statement(
      `INSERT INTO files (workspace, path, revision, content_type, content, encoding, provider, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (workspace, path) DO UPDATE SET revision = excluded.revision, content_type = excluded.content_type,
         content = excluded.content, encoding = excluded.encoding, provider = excluded.provider,
         updated_at = excluded.updated_at`,
    ).run(workspace, file.path, file.revision, file.contentType, file.content, file.encoding, file.provider, timestamp);
    const event = this.#appendEvent(workspace, existed ? "file.updated" : "file.created", file, context);
    const op = this.ops.record(workspace, "file_upsert", file.path, file.revision, context);
    return { file, event, op };
  }

  /** Deletes a file, appends its event and a succeeded op. Call inside a transaction. */
  deleteFile(workspace: string, existing: StoredFile, context: WriteContext): Change {
    this.#sql.statement("DELETE FROM files WHERE workspace = ? AND path = ?").run(workspace, existing.path);
    const event = this.#appendEvent(workspace, "file.deleted", existing, context);
    const op = this.ops.record(workspace, "file_delete", existing.path, existing.revision, context);
    return { file: null, event, op };
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
      ? this.#sql.statement(
        `SELECT * FROM events WHERE workspace = ? AND seq < ? AND (? = '' OR provider = ?) ORDER BY seq DESC LIMIT ?`,
      ).all(workspace, cursorSeq ?? Number.MAX_SAFE_INTEGER, provider, provider, query.limit + 1)
      : this.#sql.statement(
        `SELECT * FROM events WHERE workspace = ? AND seq > ? AND (? = '' OR provider = ?) ORDER BY seq LIMIT ?`,
      ).all(workspace, cursorSeq ?? 0, provider, provider, query.limit + 1);
    const events = rows.slice(0, query.limit).map(toEvent);
    return { events, nextCursor: rows.length > query.limit ? events.at(-1)!.eventId : null };
  }

  /** The last `count` events, oldest first (WebSocket catch-up). */
  recentEvents(workspace: string, count: number): StoredEvent[] {
    return this.#sql.statement("SELECT * FROM events WHERE workspace = ? ORDER BY seq DESC LIMIT ?").all(
      workspace,
      count,
    )
      .map(toEvent).reverse();
  }

  /** Events after `eventId`, oldest first, at most `limit`; `undefined` when the id is unknown. */
  eventsAfter(workspace: string, eventId: string, limit: number): StoredEvent[] | undefined {
    const seq = this.#eventSeq(workspace, eventId);
    if (seq === undefined) return undefined;
    return this.#sql.statement("SELECT * FROM events WHERE workspace = ? AND seq > ? ORDER BY seq LIMIT ?").all(
      workspace,
      seq,
      limit,
    ).map(toEvent);
  }

  /** The stored result of a write with this content identity, while it has not expired. */
  findIdentity(workspace: string, kind: string, key: string, nowMs: number): unknown | undefined {
    const row = this.#sql.statement(
      "SELECT result, expires_at FROM identities WHERE workspace = ? AND kind = ? AND key = ?",
    ).get(
      workspace,
      kind,
      key,
    );
    if (!row || Number(row.expires_at) <= nowMs) return undefined;
    return JSON.parse(String(row.result));
  }

  saveIdentity(workspace: string, kind: string, key: string, expiresAtMs: number, result: unknown): void {
    this.#sql.statement(
      `INSERT INTO identities (workspace, kind, key, expires_at, result) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (workspace, kind, key) DO UPDATE SET expires_at = excluded.expires_at, result = excluded.result`,
    ).run(workspace, kind, key, expiresAtMs, JSON.stringify(result));
  }

  #eventSeq(workspace: string, eventId: string): number | undefined {
    const seq = idNumber(eventId, "evt_");
    if (seq === undefined) return undefined;
    return this.#sql.statement("SELECT 1 FROM events WHERE workspace = ? AND seq = ?").get(workspace, seq)
      ? seq
      : undefined;
  }

  #appendEvent(
    workspace: string,
    type: EventType,
    file: StoredFile,
    context: { correlationId: string; now: Date },
  ): StoredEvent {
    const seq = this.#sql.next(workspace, "event");
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
    this.#sql.statement(
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
}
