/**
 * `<mount>/.relay/state.json`, the public status. Reads what any writer left there — the Go syncer (format A),
 * the Go CLI snapshot (format B), the failure transport's sorted rewrite (C), or this project (a superset of A and B)
 * — tolerantly: absent fields are zero, key order is free (spec §2.12).
 */
import { writeFileAtomic } from "../lib/atomic_write.ts";
import { errorMessage } from "../lib/errors.ts";
import { PRIVATE } from "./private.ts";
import { relayPaths } from "./relay_dir.ts";
import type { Problem } from "./_records.ts";

export interface FileStatus {
  revision?: string;
  status?: string;
}

export interface PublicState {
  workspaceId?: string;
  remoteRoot?: string;
  localRoot?: string;
  pendingWriteback: number;
  /** Lifetime count of failed writeback attempts (observability only). */
  failedWritebacks: number;
  pendingConflicts: number;
  /** `providers[].lastError` of the Go CLI snapshot format. */
  lastErrorByProvider: Record<string, string>;
  files: Record<string, FileStatus>;
  /** The mirror's overall `status` (the Go syncer's field: `ready`, `offline`, `stale`, …), when written. */
  status?: string;
  /** The last sync error of the mount (`lastError`), when one stands. */
  lastError?: { kind: string; message: string; at?: string };
  /** Remote paths the folder cannot hold (ours). */
  skippedRemotePaths: { path: string; reason: string }[];
  /** Local files not sent (names the server cannot take, files too large), by their path in the folder (ours). */
  skippedLocalPaths: { path: string; reason: string }[];
  /** How remote changes arrive: `listening` (WebSocket), `reconnecting`, `polling`; when written. */
  listener?: string;
  /** Whether the provider's receipts can be read from the server (ours). */
  receipts?: { available: boolean; reason?: string };
}

export type StateRead = { state: PublicState | null } | { problem: Problem };

/** `{state: null}` when the file does not exist; a problem when it cannot be read or is not a JSON object. */
export async function readPublicState(mountDir: string): Promise<StateRead> {
  const file = relayPaths(mountDir).state;
  let value: unknown;
  try {
    value = JSON.parse(await Deno.readTextFile(file));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { state: null };
    return { problem: { file, message: `invalid writeback state: ${errorMessage(error)}` } };
  }
  if (!isObject(value)) return { problem: { file, message: "invalid writeback state: not a JSON object" } };
  return { state: toPublicState(value) };
}

/** Pure: the fields the writeback commands use, from any writer's document. */
export function toPublicState(document: Record<string, unknown>): PublicState {
  const state: PublicState = {
    pendingWriteback: count(document.pendingWriteback),
    failedWritebacks: count(document.failedWritebacks),
    pendingConflicts: count(document.pendingConflicts),
    lastErrorByProvider: {},
    files: {},
    skippedRemotePaths: pathReasons(document.skippedRemotePaths),
    skippedLocalPaths: pathReasons(document.skippedLocalPaths),
  };
  if (typeof document.status === "string" && document.status.trim()) state.status = document.status.trim();
  if (isObject(document.lastError)) {
    const { kind, message, at } = document.lastError;
    state.lastError = {
      kind: typeof kind === "string" ? kind : "error",
      message: typeof message === "string" ? message : "",
      ...(typeof at === "string" ? { at } : {}),
    };
  }
  if (isObject(document.receipts) && typeof document.receipts.available === "boolean") {
    const reason = document.receipts.reason;
    state.receipts = { available: document.receipts.available, ...(typeof reason === "string" ? { reason } : {}) };
  }
  if (isObject(document.eventListener) && typeof document.eventListener.status === "string") {
    state.listener = document.eventListener.status;
  }
  for (const key of ["workspaceId", "remoteRoot", "localRoot"] as const) {
    const text = document[key];
    if (typeof text === "string" && text.trim()) state[key] = text;
  }
  if (Array.isArray(document.providers)) {
    for (const provider of document.providers) {
      if (!isObject(provider)) continue;
      const name = typeof provider.provider === "string" ? provider.provider.trim() : "";
      const error = typeof provider.lastError === "string" ? provider.lastError.trim() : "";
      if (name && error) state.lastErrorByProvider[name] = error;
    }
  }
  if (isObject(document.files)) {
    for (const [path, entry] of Object.entries(document.files)) {
      if (!isObject(entry)) continue;
      const file: FileStatus = {};
      if (typeof entry.revision === "string") file.revision = entry.revision;
      if (typeof entry.status === "string") file.status = entry.status;
      state.files[path] = file;
    }
  }
  return state;
}

/** A counter as the Go writers treat it: non-numbers and numbers ≤ 0 count as 0. */
function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Writes the public status of a mount this project runs: the Go syncer's fields (format A, always with
 * `remoteRoot`), the Go CLI snapshot's counters (format B), `failedWritebacks` and outbox counts. One writer.
 */
export function writePublicState(mountDir: string, document: Record<string, unknown>): Promise<void> {
  return writeFileAtomic(relayPaths(mountDir).state, JSON.stringify(document, null, 2) + "\n", PRIVATE);
}

/** `[{path, reason}]` entries, the malformed ones left out. */
function pathReasons(value: unknown): { path: string; reason: string }[] {
  if (!Array.isArray(value)) return [];
  return value.filter((entry) => isObject(entry) && typeof entry.path === "string")
    .map((entry) => ({ path: entry.path, reason: typeof entry.reason === "string" ? entry.reason : "" }));
}
