/** `writeback list`: the ops themselves, one row each, with filters. Pure. */
import { matchesGlob } from "../lib/glob.ts";
import { providerOf } from "../protocol/paths.ts";
import type { RecordSource } from "../relay/entries.ts";
import type { Classification, NextAction } from "../relay/classify.ts";
import type { WritebackSnapshot } from "./snapshot.ts";

export const LIST_STATES = ["pending", "in_flight", "retry_wait", "accepted", "dead_lettered"] as const;
export type ListState = typeof LIST_STATES[number];

export interface ListItem {
  opId: string;
  path: string;
  state: ListState;
  provider: string;
  kind?: string;
  attempts: number;
  /** 0 when unknown or not failed yet. */
  lastStatus: number;
  createdAt?: string;
  /** Time of the last change of the op (last attempt, or dead-lettering). */
  ts?: string;
  notBefore?: string;
  reason?: string;
  nextAction?: NextAction;
  /** Of a dead letter: what kind of failure it was (`provider`: the provider refused what the server took). */
  classification?: Classification;
  source: RecordSource;
}

export interface ListFilter {
  states?: ReadonlySet<ListState>;
  /** Glob over remote paths (`/docs/**`, `*.md`). */
  path?: string;
  status?: (status: number) => boolean;
  /** Only ops first seen (or dead-lettered) longer ago than this. */
  olderThanMs?: number;
  /** Only dead letters of these classifications. */
  classifications?: ReadonlySet<Classification>;
}

export function listItems(snapshot: WritebackSnapshot): ListItem[] {
  const items: ListItem[] = [];
  for (const op of snapshot.queued) {
    items.push({
      opId: op.opId,
      path: op.path,
      state: op.state,
      provider: providerOfFile(op.path),
      ...(op.kind ? { kind: op.kind } : {}),
      attempts: op.attempts,
      lastStatus: op.lastError?.status ?? 0,
      ...(op.createdAt ? { createdAt: op.createdAt } : {}),
      ...(op.updatedAt ? { ts: op.updatedAt } : {}),
      ...(op.notBefore ? { notBefore: op.notBefore } : {}),
      ...(op.lastError ? { reason: op.lastError.message } : {}),
      source: op.source,
    });
  }
  for (const entry of snapshot.deadLettered) {
    const createdAt = entry.record?.createdAt;
    items.push({
      opId: entry.opId,
      path: entry.path,
      state: "dead_lettered",
      provider: providerOfFile(entry.paths[0] ?? "/"),
      ...(entry.record ? { kind: entry.record.kind } : {}),
      attempts: entry.attempts,
      lastStatus: entry.lastStatus,
      ...(createdAt ? { createdAt } : {}),
      ...(entry.ts ? { ts: entry.ts } : {}),
      reason: entry.reason,
      nextAction: entry.nextAction,
      classification: entry.classification,
      source: entry.source,
    });
  }
  return items.sort((a, b) => compare(a.opId, b.opId) || compare(a.path, b.path));
}

export function filterItems(items: ListItem[], filter: ListFilter, now: number): ListItem[] {
  return items.filter((item) => {
    if (filter.states && !filter.states.has(item.state)) return false;
    if (filter.path !== undefined && !pathsOf(item).some((path) => matchesGlob(path, filter.path!))) return false;
    if (filter.status && !filter.status(item.lastStatus)) return false;
    if (filter.classifications && !(item.classification && filter.classifications.has(item.classification))) {
      return false;
    }
    if (filter.olderThanMs !== undefined) {
      const since = Date.parse(item.createdAt ?? item.ts ?? "");
      if (Number.isNaN(since) || now - since < filter.olderThanMs) return false;
    }
    return true;
  });
}

/**
 * `--status`: a comma-separated list of codes or classes (`503`, `4xx`, `409,412`). `undefined` when malformed.
 */
export function parseStatusFilter(text: string): ((status: number) => boolean) | undefined {
  const parts = text.split(",").map((part) => part.trim().toLowerCase());
  if (parts.some((part) => !/^([1-5]\d\d|[1-5]xx)$/.test(part))) return undefined;
  return (status) =>
    parts.some((part) => part.endsWith("xx") ? Math.floor(status / 100) === Number(part[0]) : status === Number(part));
}

/** `--state`: names from `LIST_STATES`, comma-separated; `dead` and `retry-wait`/`in-flight` spellings accepted. */
export function parseStates(text: string): Set<ListState> | undefined {
  const states = new Set<ListState>();
  for (const raw of text.split(",")) {
    const name = raw.trim().toLowerCase().replaceAll("-", "_");
    const state = name === "dead" ? "dead_lettered" : name;
    if (!(LIST_STATES as readonly string[]).includes(state)) return undefined;
    states.add(state as ListState);
  }
  return states;
}

export const LIST_COLUMNS = ["op_id", "path", "state", "ts", "provider", "attempts", "last_status", "next_action"];

/** One row of `writeback list`, as cells under `LIST_COLUMNS`. */
export function listRow(item: ListItem): string[] {
  return [
    item.opId,
    item.path || "-",
    item.state,
    item.ts || "-",
    item.provider || "-",
    String(item.attempts),
    item.lastStatus ? String(item.lastStatus) : "-",
    item.nextAction ?? "-",
  ];
}

/** The provider of a file: its first folder; a file at the root belongs to none. */
function providerOfFile(path: string): string {
  return path.split("/").filter(Boolean).length > 1 ? providerOf(path) : "";
}

function pathsOf(item: ListItem): string[] {
  return item.path.split(",").map((part) => part.trim()).filter(Boolean);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
