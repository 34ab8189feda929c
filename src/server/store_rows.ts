/** The local server's stored records and how SQLite rows map to them. Pure. */

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

/** A file as a listing shows it: no content, its size in UTF-8 bytes (the reference's `len` of the stored string). */
export interface FileEntry {
  path: string;
  revision: string;
  provider: string;
  size: number;
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

export function isTerminal(status: OpStatus): boolean {
  return status === "succeeded" || status === "failed" || status === "dead_lettered" || status === "canceled";
}

export function idNumber(id: string, prefix: string): number | undefined {
  if (!id.startsWith(prefix)) return undefined;
  const digits = id.slice(prefix.length);
  return /^\d{1,15}$/.test(digits) ? Number(digits) : undefined;
}

export type Row = Record<string, unknown>;

export function toFile(row: Row): StoredFile {
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

/** A row of `path, revision, provider, updated_at` and `size`, the content's length in UTF-8 bytes. */
export function toFileEntry(row: Row): FileEntry {
  return {
    path: String(row.path),
    revision: String(row.revision),
    provider: String(row.provider),
    size: Number(row.size),
    updatedAt: String(row.updated_at),
  };
}

export function toEvent(row: Row): StoredEvent {
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

export function toOp(row: Row): StoredOp {
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
