/** A SQLite database with a statement cache and per-workspace counters (`rev_N`, `evt_N`, `op_N`). */
import type { DatabaseSync, StatementSync } from "node:sqlite";

export class Sql {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** The prepared statement for `text`, prepared once. */
  statement(text: string): StatementSync {
    let statement = this.#statements.get(text);
    if (!statement) {
      statement = this.#db.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  /** The next number of a per-workspace counter. */
  next(workspace: string, name: string): number {
    const row = this.statement(
      `INSERT INTO counters (workspace, name, value) VALUES (?, ?, 1)
       ON CONFLICT (workspace, name) DO UPDATE SET value = value + 1 RETURNING value`,
    ).get(workspace, name);
    return Number(row!.value);
  }
}
