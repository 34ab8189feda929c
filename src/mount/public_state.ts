/** The public `state.json` document of a running mount, pure (spec §2.12.2 fields, plus ours). */
import type { QueueCounts } from "../writeback/queue.ts";
import type { Tracked } from "../relay/mount_state.ts";

export interface PublicStateInput {
  workspaceId: string;
  remoteRoot: string;
  localRoot: string;
  mode: "websocket" | "poll";
  listener: "listening" | "reconnecting" | "polling";
  intervalMs: number;
  now: number;
  lastReconcileAt: string | null;
  lastSuccessfulReconcileAt: string | null;
  lastEventAt: string | null;
  lastError: { kind: string; statusCode?: number; message: string; at: string } | null;
  files: Record<string, Tracked>;
  /** Paths with a queued op. */
  pendingPaths: ReadonlySet<string>;
  /** Paths with a conflict copy. */
  conflictPaths: ReadonlySet<string>;
  /** Paths the token may not write, restored from the server. */
  readonlyPaths: ReadonlySet<string>;
  queue: QueueCounts;
  /** Remote paths refused because they would leave the mount folder. */
  rejectedPaths: number;
  /** Remote paths the folder cannot hold, with why: the mirror is missing them. */
  skippedPaths: ReadonlyMap<string, string>;
  /** Local files (paths in the folder) not sent, with why (a name the server cannot take, a file too large). */
  skippedLocalPaths: ReadonlyMap<string, string>;
  /** Why the provider's receipts cannot be read from this server, when they cannot. */
  receiptsUnavailable?: string | undefined;
}

export function buildPublicState(input: PublicStateInput): Record<string, unknown> {
  const files: Record<string, { revision: string; contentType: string; status: string; readonly?: boolean }> = {};
  const paths = new Set([...Object.keys(input.files), ...input.pendingPaths]);
  for (const path of [...paths].sort()) {
    const tracked = input.files[path];
    const status = input.conflictPaths.has(path)
      ? "conflict"
      : input.pendingPaths.has(path)
      ? "writeback-pending"
      : "ready";
    files[path] = {
      revision: tracked?.revision ?? "",
      contentType: tracked?.contentType ?? "",
      status,
      ...(input.readonlyPaths.has(path) ? { readonly: true } : {}),
    };
  }
  const pending = input.queue.pending + input.queue.inFlight + input.queue.retryWait + input.queue.awaitingProvider;
  const offline = input.lastError?.kind === "offline";
  const reauthNeeded = input.lastError?.kind === "reauth";
  const staleAfter = input.lastSuccessfulReconcileAt && input.intervalMs > 0
    ? new Date(Date.parse(input.lastSuccessfulReconcileAt) + 2 * input.intervalMs).toISOString()
    : null;
  const stale = staleAfter !== null && input.now > Date.parse(staleAfter);
  const needsAttention = input.queue.deadLettered > 0;
  const status = reauthNeeded
    ? "reauth-needed"
    : offline
    ? "offline"
    : needsAttention
    ? "writeback-needs-attention"
    : input.conflictPaths.size > 0
    ? "conflict"
    : pending > 0
    ? "writeback-pending"
    : stale
    ? "stale"
    : "ready";
  return {
    workspaceId: input.workspaceId,
    remoteRoot: input.remoteRoot,
    localRoot: input.localRoot,
    mode: input.mode,
    intervalMs: input.intervalMs,
    lastReconcileAt: input.lastReconcileAt,
    lastSuccessfulReconcileAt: input.lastSuccessfulReconcileAt,
    ...(input.lastEventAt ? { lastEventAt: input.lastEventAt } : {}),
    ...(staleAfter ? { staleAfter } : {}),
    status,
    states: {
      stale,
      offline,
      reauthNeeded,
      hasConflicts: input.conflictPaths.size > 0,
      hasPendingWriteback: pending > 0,
      outboxNeedsAttention: needsAttention,
    },
    pendingWriteback: pending,
    pendingConflicts: input.conflictPaths.size,
    deniedPaths: input.readonlyPaths.size,
    failedWritebacks: input.queue.failedAttempts,
    ...(input.lastError ? { lastError: input.lastError } : {}),
    eventListener: { mode: input.mode, status: input.listener },
    outbox: {
      pending: input.queue.pending,
      inFlight: input.queue.inFlight,
      retryWait: input.queue.retryWait,
      awaitingProvider: input.queue.awaitingProvider,
      deadLettered: input.queue.deadLettered,
    },
    receipts: input.receiptsUnavailable ? { available: false, reason: input.receiptsUnavailable } : { available: true },
    rejectedRemotePaths: input.rejectedPaths,
    skippedRemotePaths: pathReasons(input.skippedPaths),
    skippedLocalPaths: pathReasons(input.skippedLocalPaths),
    files,
  };
}

function pathReasons(paths: ReadonlyMap<string, string>): { path: string; reason: string }[] {
  return [...paths].sort(([a], [b]) => a.localeCompare(b)).map(([path, reason]) => ({ path, reason }));
}
