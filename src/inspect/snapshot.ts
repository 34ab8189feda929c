/** Everything the writeback commands know about one mount, read from its `.relay/` folder in one go. */
import { join } from "node:path";
import { relativeToRoot } from "../protocol/paths.ts";
import { isConflictCopyOf } from "../relay/conflict_names.ts";
import { type ConflictCopy, listConflicts } from "../relay/conflicts.ts";
import { readDeadLettersCached } from "../relay/dead_letter_index.ts";
import type { DeadLetterEntry, QueuedEntry } from "../relay/entries.ts";
import { readGoOutbox } from "../relay/go_outbox.ts";
import { queuedEntry, readOutbox } from "../relay/outbox.ts";
import { relayPaths } from "../relay/relay_dir.ts";
import { type DaemonMarker, lockHolder } from "../relay/mount_lock.ts";
import { type PublicState, readPublicState } from "../relay/state_file.ts";
import { directoryExists, type Problem } from "../relay/_records.ts";

export interface WritebackSnapshot {
  mountDir: string;
  /** `null` when the mount has no `state.json` (or it is unreadable: then it is among the problems). */
  state: PublicState | null;
  /** True when an outbox folder exists: then the queue counts come from it, not from `state.json`. */
  hasOutbox: boolean;
  queued: QueuedEntry[];
  deadLettered: DeadLetterEntry[];
  conflicts: ConflictCopy[];
  /** The conflict copies beside the files in the folder, per remote path (`name.conflict-<rev>-<time>.ext`). */
  besideCopies: Record<string, string[]>;
  problems: Problem[];
  /** The mount holding the folder's lock (running, or stuck), with its last heartbeat; null when none runs. */
  runningMount: DaemonMarker | null;
}

export async function loadWritebackSnapshot(mountDir: string): Promise<WritebackSnapshot> {
  const [stateRead, outbox, goOutbox, deadLetters, conflicts, hasOutbox, holder] = await Promise.all([
    readPublicState(mountDir),
    readOutbox(mountDir),
    readGoOutbox(mountDir),
    readDeadLettersCached(mountDir),
    listConflicts(mountDir),
    directoryExists(relayPaths(mountDir).outbox),
    lockHolder(mountDir),
  ]);
  const problems = [
    ...("problem" in stateRead ? [stateRead.problem] : []),
    ...outbox.problems,
    ...goOutbox.problems,
    ...deadLetters.problems,
  ];
  const state = "state" in stateRead ? stateRead.state : null;
  const besideCopies = await findBesideCopies(mountDir, state?.remoteRoot ?? "/", conflicts);
  // `retry` writes the outbox op before it removes the dead letter: if both exist, the op was re-enqueued.
  const requeued = new Set(outbox.ops.map((op) => op.opId));
  return {
    mountDir,
    state,
    hasOutbox,
    queued: [...outbox.ops.map((op) => queuedEntry(op, mountDir)), ...goOutbox.queued],
    deadLettered: [
      ...deadLetters.entries.filter((entry) => entry.source !== "relayfile" || !requeued.has(entry.opId)),
      ...goOutbox.needsAttention,
    ],
    conflicts,
    besideCopies,
    problems,
    runningMount: holder ?? null,
  };
}

/** The copies beside each conflicted file, as paths relative to the mount. */
async function findBesideCopies(
  mountDir: string,
  remoteRoot: string,
  conflicts: readonly ConflictCopy[],
): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = {};
  for (const path of new Set(conflicts.map((copy) => copy.remotePath))) {
    const relative = relativeToRoot(remoteRoot, path);
    if (relative === undefined) continue;
    const slash = relative.lastIndexOf("/");
    const folder = relative.slice(0, slash + 1);
    const name = relative.slice(slash + 1);
    const entries = await Array.fromAsync(Deno.readDir(join(mountDir, folder))).catch(() => []);
    found[path] = entries.filter((entry) => entry.isFile && isConflictCopyOf(entry.name, name))
      .map((entry) => `${folder}${entry.name}`).sort();
  }
  return found;
}
