/**
 * The `writeback status` report, pure: built from a snapshot and the time, rendered as text or as the JSON document
 * (every field of the Go `--json` report under the same names, then ours).
 */
import { formatAge } from "../lib/duration.ts";
import { tabSeparated } from "../lib/table.ts";
import { providerOf } from "../protocol/paths.ts";
import type { DeadLetterEntry, QueuedEntry } from "../relay/entries.ts";
import type { WritebackSnapshot } from "./snapshot.ts";
import type { Problem } from "../relay/_records.ts";
import { isDaemonAlive } from "../relay/heartbeat.ts";

export const STATUS_SCHEMA_VERSION = 1;

export interface StatusContext {
  workspaceId: string;
  workspaceName?: string | undefined;
  localDir: string;
  now: number;
}

export interface OldestPending {
  opId: string;
  path: string;
  since: string;
  ageSeconds: number;
}

export interface StatusReport {
  workspaceId: string;
  workspaceName?: string | undefined;
  localDir: string;
  /** Local changes not yet on the server: queued + in flight + retry waiting (the Go report's `pending`). */
  pending: number;
  queued: number;
  inFlight: number;
  retryWaiting: number;
  /** On the server, waiting for the provider's receipt (still pending: not delivered yet). */
  awaitingProvider: number;
  /** The op that has waited longest for the provider, if any. */
  oldestAwaitingProvider: OldestPending | null;
  /** Whether the provider's receipts can be read from the server (`state.json`); null when unknown. */
  receipts: { available: boolean; reason?: string } | null;
  /** Lifetime count of failed attempts; never fails the gate by itself. */
  failedWritebacks: number;
  deadLettered: DeadLetterEntry[];
  lastErrorByProvider: Record<string, string>;
  oldestPending: OldestPending | null;
  conflicts: number;
  /** Each conflicted path: the revision its local bytes were made on, the server's now, where the bytes are. */
  conflicted: ConflictEntry[];
  problems: Problem[];
  mirror: MirrorHealth;
  /** Something needs a person now: dead-lettered ops, unreadable records, or a mirror missing remote content. */
  actionable: boolean;
}

export interface ConflictEntry {
  path: string;
  /** The revision the local bytes were made on (`new` for a file the server did not have). */
  localRevision: string;
  /** The server's revision, which the folder now holds; null when unknown. */
  remoteRevision: string | null;
  /** The local bytes, in `.relay/conflicts/`. */
  localCopy: string;
  /** The same bytes beside the file, relative to the mount (none with `--conflict-copies hidden`). */
  besideCopies: string[];
}

/** How the remote → local side stands, from `state.json`. */
export interface MirrorHealth {
  /** The mount's overall status as it last wrote it (`ready`, `offline`, `stale`, …); null when unknown. */
  status: string | null;
  /** The last sync error, when one stands. */
  lastError: { kind: string; message: string; at?: string } | null;
  /** How remote changes arrive (`listening`, `reconnecting`, `polling`); null when unknown. */
  listener: string | null;
  /** Remote paths the folder cannot hold: the mirror lacks them. */
  skippedRemotePaths: { path: string; reason: string }[];
  /** Local files (paths in the folder) not sent: names the server cannot take, files too large to send. */
  skippedLocalPaths: { path: string; reason: string }[];
  /**
   * The mount that holds the folder but has not beaten its heartbeat (every second) for a minute or more: alive and
   * doing nothing — neither sending nor pulling. Null otherwise.
   */
  stuckMount: { pid: number; lastHeartbeatAt: string | null } | null;
  /**
   * What to do, when the mount needs a person: `restart-mount` (it is stuck), `reauth` (the server refuses the
   * token), `fix-local` (local files not sent: each with its reason), `rename-remote` (skipped remote paths),
   * `check-server` (cannot pull).
   */
  nextAction: "restart-mount" | "reauth" | "fix-local" | "rename-remote" | "check-server" | null;
}

/** A mount holding the folder whose heartbeat is this old is stuck (a busy one still beats within seconds). */
const STUCK_AFTER_MS = 60_000;

function mirrorHealth(snapshot: WritebackSnapshot, now: number): MirrorHealth {
  const state = snapshot.state;
  const holder = snapshot.runningMount;
  const stuckMount = holder && !isDaemonAlive(holder, now, STUCK_AFTER_MS)
    ? { pid: holder.pid, lastHeartbeatAt: holder.heartbeatAt ?? null }
    : null;
  const skippedRemotePaths = state?.skippedRemotePaths ?? [];
  const skippedLocalPaths = state?.skippedLocalPaths ?? [];
  // A pull that keeps failing, for whatever reason, leaves the mirror behind: as actionable as being offline.
  const offline = state?.status === "offline" || state?.lastError?.kind === "offline" ||
    state?.lastError?.kind === "error";
  return {
    status: state?.status ?? null,
    lastError: state?.lastError ?? null,
    listener: state?.listener ?? null,
    skippedRemotePaths,
    skippedLocalPaths,
    stuckMount,
    nextAction: stuckMount
      ? "restart-mount"
      : state?.lastError?.kind === "reauth"
      ? "reauth"
      : skippedLocalPaths.length > 0
      ? "fix-local"
      : skippedRemotePaths.length > 0
      ? "rename-remote"
      : offline
      ? "check-server"
      : null,
  };
}

export function summarize(snapshot: WritebackSnapshot, context: StatusContext): StatusReport {
  const count = (state: QueuedEntry["state"]) => snapshot.queued.filter((op) => op.state === state).length;
  const queued = count("pending");
  const inFlight = count("in_flight");
  const retryWaiting = count("retry_wait");
  const awaitingProvider = count("accepted");
  const fromQueue = queued + inFlight + retryWaiting + awaitingProvider;
  const mirror = mirrorHealth(snapshot, context.now);
  return {
    workspaceId: context.workspaceId,
    workspaceName: context.workspaceName,
    localDir: context.localDir,
    pending: snapshot.hasOutbox || fromQueue > 0 ? fromQueue : snapshot.state?.pendingWriteback ?? 0,
    queued,
    inFlight,
    retryWaiting,
    awaitingProvider,
    oldestAwaitingProvider: oldestPending(snapshot.queued.filter((op) => op.state === "accepted"), context.now),
    receipts: snapshot.state?.receipts ?? null,
    failedWritebacks: snapshot.state?.failedWritebacks ?? 0,
    deadLettered: snapshot.deadLettered,
    lastErrorByProvider: lastErrorByProvider(snapshot),
    oldestPending: oldestPending(snapshot.queued.filter((op) => op.state !== "accepted"), context.now),
    conflicts: Math.max(snapshot.conflicts.length, snapshot.state?.pendingConflicts ?? 0),
    conflicted: snapshot.conflicts.map((copy) => ({
      path: copy.remotePath,
      localRevision: copy.revision,
      remoteRevision: snapshot.state?.files[copy.remotePath]?.revision ?? null,
      localCopy: copy.file,
      besideCopies: snapshot.besideCopies[copy.remotePath] ?? [],
    })),
    problems: snapshot.problems,
    mirror,
    actionable: snapshot.deadLettered.length > 0 || snapshot.problems.length > 0 || mirror.nextAction !== null,
  };
}

/** The latest error per provider: the Go snapshot's `providers[]`, overridden by newer failures of our ops. */
function lastErrorByProvider(snapshot: WritebackSnapshot): Record<string, string> {
  const latest = new Map<string, { at: string; message: string }>();
  const consider = (path: string, at: string | undefined, message: string) => {
    // A file at the root (`/a.md`) belongs to no provider.
    const provider = path.split("/").filter(Boolean).length > 1 ? providerOf(path) : "";
    const current = latest.get(provider);
    if (provider && (!current || (at ?? "") >= current.at)) latest.set(provider, { at: at ?? "", message });
  };
  for (const op of snapshot.queued) {
    if (op.lastError) consider(op.path, op.lastError.at ?? op.updatedAt, op.lastError.message);
  }
  for (const entry of snapshot.deadLettered) {
    for (const path of entry.paths) consider(path, entry.ts, entry.reason);
  }
  const result: Record<string, string> = { ...snapshot.state?.lastErrorByProvider };
  for (const [provider, { message }] of [...latest].sort(([a], [b]) => a.localeCompare(b))) result[provider] = message;
  return Object.fromEntries(Object.entries(result).sort(([a], [b]) => a.localeCompare(b)));
}

function oldestPending(queued: QueuedEntry[], now: number): OldestPending | null {
  let oldest: { op: QueuedEntry; at: number } | undefined;
  for (const op of queued) {
    const at = op.createdAt ? Date.parse(op.createdAt) : NaN;
    if (!Number.isNaN(at) && (!oldest || at < oldest.at)) oldest = { op, at };
  }
  if (!oldest) return null;
  return {
    opId: oldest.op.opId,
    path: oldest.op.path,
    since: new Date(oldest.at).toISOString(),
    ageSeconds: Math.max(0, Math.floor((now - oldest.at) / 1000)),
  };
}

/** The `--json` document: `schemaVersion` first, then the Go report's fields, then ours. Fields are never renamed. */
export function statusDocument(report: StatusReport): Record<string, unknown> {
  return {
    schemaVersion: STATUS_SCHEMA_VERSION,
    workspaceId: report.workspaceId,
    pending: report.pending,
    failed: report.failedWritebacks,
    deadLettered: report.deadLettered.map((entry) => ({
      opId: entry.opId,
      ...(entry.path ? { path: entry.path } : {}),
      lastStatus: entry.lastStatus,
      ...(entry.ts ? { ts: entry.ts } : {}),
      attempts: entry.attempts,
      reason: entry.reason,
      classification: entry.classification,
      nextAction: entry.nextAction,
      source: entry.source,
    })),
    lastErrorByProvider: report.lastErrorByProvider,
    ...(report.workspaceName ? { workspaceName: report.workspaceName } : {}),
    localDir: report.localDir,
    queued: report.queued,
    inFlight: report.inFlight,
    retryWaiting: report.retryWaiting,
    awaitingProvider: report.awaitingProvider,
    oldestAwaitingProvider: report.oldestAwaitingProvider,
    receipts: report.receipts,
    failedWritebacks: report.failedWritebacks,
    oldestPending: report.oldestPending,
    conflicts: report.conflicts,
    conflicted: report.conflicted,
    problems: report.problems.map(({ file, message }) => ({ file, message })),
    mirror: report.mirror,
    actionable: report.actionable,
  };
}

/**
 * The human report: the Go CLI's lines (`pending: N`, `dead-lettered: N`, `no failures`), its `failed: N` named for
 * what it is (a lifetime count of failed attempts, not of failures standing); the dead-letter table through `table`.
 */
export function formatStatus(report: StatusReport, table = tabSeparated): string {
  const lines: string[] = [];
  const name = report.workspaceName && report.workspaceName !== report.workspaceId
    ? `${report.workspaceId} (${report.workspaceName})`
    : report.workspaceId || "-";
  lines.push(`workspace: ${name}`);
  lines.push(`local mirror: ${report.localDir}`);
  const sent = report.awaitingProvider > 0 ? `, on the server awaiting the provider ${report.awaitingProvider}` : "";
  const breakdown = report.pending > 0 &&
      report.pending === report.queued + report.inFlight + report.retryWaiting + report.awaitingProvider
    ? ` (queued ${report.queued}, in flight ${report.inFlight}, retry waiting ${report.retryWaiting}${sent})`
    : "";
  lines.push(`pending: ${report.pending}${breakdown}`);
  lines.push(`failed attempts (lifetime): ${report.failedWritebacks}`);
  lines.push(`dead-lettered: ${report.deadLettered.length}`);
  if (report.oldestPending) {
    const { opId, path, ageSeconds } = report.oldestPending;
    lines.push(`oldest pending: ${formatAge(ageSeconds * 1000)} (${opId} ${path})`);
  }
  if (report.oldestAwaitingProvider) {
    const { opId, path, ageSeconds } = report.oldestAwaitingProvider;
    lines.push(`oldest awaiting the provider: ${formatAge(ageSeconds * 1000)} (${opId} ${path})`);
  }
  if (report.receipts && !report.receipts.available) {
    lines.push(`receipts: unavailable (${report.receipts.reason ?? "unknown"}): accepted writes count as delivered`);
  }
  if (report.conflicts > 0) lines.push(`conflicts: ${report.conflicts}`);
  for (const entry of report.conflicted) {
    const where = entry.besideCopies.at(-1) ?? entry.localCopy;
    lines.push(
      `  ${entry.path}: yours (made on ${entry.localRevision}) kept as ${where}; ` +
        `the folder has the server's ${entry.remoteRevision ?? "version"}`,
    );
  }
  if (report.deadLettered.length > 0) {
    const rows = report.deadLettered.map((entry) => [
      entry.opId,
      entry.path || "-",
      entry.lastStatus ? String(entry.lastStatus) : "-",
      entry.ts || "-",
      entry.nextAction,
      entry.reason,
    ]);
    lines.push(
      "",
      "Dead-lettered ops:",
      table([["op_id", "path", "last_status", "ts", "next_action", "reason"], ...rows]),
    );
  }
  if (report.problems.length > 0) {
    lines.push("", "Unreadable records (kept as they are):");
    for (const problem of report.problems) lines.push(`  ${problem.file}: ${problem.message}`);
  }
  const { mirror } = report;
  if (mirror.stuckMount) {
    const since = mirror.stuckMount.lastHeartbeatAt ? ` since ${mirror.stuckMount.lastHeartbeatAt}` : "";
    lines.push(`mount: pid ${mirror.stuckMount.pid} holds the folder but has not answered${since}: it is stuck`);
  }
  if (mirror.nextAction === "reauth") {
    lines.push("credentials: the server refuses the token; sync is paused until the mount has a new one");
  } else if (mirror.status === "offline" || mirror.lastError) {
    const error = mirror.lastError ? ` (last error: ${mirror.lastError.message || mirror.lastError.kind})` : "";
    lines.push(`mirror: ${mirror.status ?? "unknown"}${error}`);
  }
  if (mirror.skippedLocalPaths.length > 0) {
    lines.push("", "Local files not sent:");
    for (const { path, reason } of mirror.skippedLocalPaths) lines.push(`  ${path}: ${reason}`);
  }
  if (mirror.skippedRemotePaths.length > 0) {
    lines.push("", "Remote paths this folder cannot hold (not mirrored; rename them on the server):");
    for (const { path, reason } of mirror.skippedRemotePaths) lines.push(`  ${path}: ${reason}`);
  }
  const providers = Object.entries(report.lastErrorByProvider);
  if (providers.length > 0) {
    lines.push("", "Last errors by provider:");
    for (const [provider, error] of providers) lines.push(`  ${provider}: ${error}`);
  }
  if (report.failedWritebacks === 0 && !report.actionable) lines.push("", "no failures");
  return lines.join("\n") + "\n";
}
