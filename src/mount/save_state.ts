/** What a running mount writes down (`mount-state.json`, `state.json`) and reports when it stops. */
import { saveMountState } from "../relay/mount_state.ts";
import { writePublicState } from "../relay/state_file.ts";
import type { WritebackQueue } from "../writeback/queue.ts";
import { buildPublicState } from "./public_state.ts";
import type { MountStatus } from "./status.ts";
import type { PathTable } from "./tracked.ts";

/** What `state.json` says of the mount itself. */
export interface MountIdentity {
  workspaceId: string;
  remoteRoot: string;
  mode: "websocket" | "poll";
  intervalMs: number;
}

export interface MountSummary {
  files: number;
  pending: number;
  /** Accepted by the server, their provider's receipt not yet seen (followed again at the next start). */
  awaitingProvider: number;
  deadLettered: number;
  conflicts: number;
  /** Everything due was sent before the drain timeout. */
  drained: boolean;
}

export async function saveState(
  mountDir: string,
  mount: MountIdentity,
  paths: PathTable,
  queue: WritebackQueue,
  status: MountStatus,
): Promise<void> {
  await saveMountState(mountDir, paths.document);
  // A write stays writeback-pending until the provider has it, as the Go syncer's field means.
  const pendingPaths = new Set(
    [...queue.queuedPaths(), ...queue.awaitingProvider().map((op) => op.path)].filter((path) => paths.has(path)),
  );
  await writePublicState(
    mountDir,
    buildPublicState({
      ...mount,
      localRoot: mountDir,
      listener: status.listener,
      now: Date.now(),
      lastReconcileAt: status.lastReconcileAt,
      lastSuccessfulReconcileAt: status.lastSuccessfulReconcileAt,
      lastEventAt: paths.lastEventAt,
      lastError: status.lastError,
      files: paths.files(),
      pendingPaths,
      conflictPaths: paths.conflicts,
      readonlyPaths: paths.readonly,
      queue: queue.counts(),
      rejectedPaths: paths.rejected,
      skippedPaths: paths.skipped,
      skippedLocalPaths: paths.skippedLocal,
      receiptsUnavailable: queue.receiptsUnavailable,
    }),
  );
}

/** `3 files, 0 pending, 0 dead-lettered, 0 conflicts`, with the writes awaiting their provider when there are any. */
export function describeSummary(summary: MountSummary): string {
  const awaiting = summary.awaitingProvider > 0 ? `${summary.awaitingProvider} awaiting the provider, ` : "";
  return `${count(summary.files, "file")}, ${summary.pending} pending, ${awaiting}${summary.deadLettered} ` +
    `dead-lettered, ${count(summary.conflicts, "conflict")}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** The summary `runMount` returns. */
export function summary(paths: PathTable, queue: WritebackQueue, drained: boolean): MountSummary {
  const counts = queue.counts();
  return {
    files: paths.size,
    pending: counts.pending + counts.inFlight + counts.retryWait,
    awaitingProvider: counts.awaitingProvider,
    deadLettered: counts.deadLettered,
    conflicts: paths.conflicts.size,
    drained,
  };
}
