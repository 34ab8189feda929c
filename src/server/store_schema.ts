/** The local server's SQLite schema. Ids (`rev_N`, `evt_N`, `op_N`) come from per-workspace counters. */
export const SCHEMA_VERSION = 1;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (
  workspace TEXT NOT NULL, name TEXT NOT NULL, value INTEGER NOT NULL,
  PRIMARY KEY (workspace, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS files (
  workspace TEXT NOT NULL, path TEXT NOT NULL, revision TEXT NOT NULL, content_type TEXT NOT NULL,
  content TEXT NOT NULL, encoding TEXT NOT NULL, provider TEXT NOT NULL, updated_at TEXT NOT NULL,
  PRIMARY KEY (workspace, path)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
  workspace TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, path TEXT NOT NULL, revision TEXT NOT NULL,
  origin TEXT NOT NULL, provider TEXT NOT NULL, correlation_id TEXT NOT NULL, timestamp TEXT NOT NULL,
  PRIMARY KEY (workspace, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ops (
  workspace TEXT NOT NULL, seq INTEGER NOT NULL, path TEXT NOT NULL, revision TEXT NOT NULL, action TEXT NOT NULL,
  provider TEXT NOT NULL, status TEXT NOT NULL, attempt_count INTEGER NOT NULL, last_error TEXT,
  correlation_id TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, completed_at TEXT,
  provider_result TEXT,
  PRIMARY KEY (workspace, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS identities (
  workspace TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, expires_at INTEGER NOT NULL, result TEXT NOT NULL,
  PRIMARY KEY (workspace, kind, key)
) WITHOUT ROWID;
`;
