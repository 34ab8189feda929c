/** What `writeback push` reads of a mount to follow its files: the records `pushOutcome` needs, read afresh. */
import type { MountRecords } from "../inspect/push_outcome.ts";
import {
  listConflicts,
  readDeadLettersCached,
  readMergeNotes,
  readMountState,
  readOutbox,
  readPublicState,
} from "../relay/mod.ts";

export interface PushRecords extends MountRecords {
  /** The workspace and remote root the mount's state is of (`undefined` before its first sync). */
  workspaceId: string | undefined;
  remoteRoot: string;
  /** False when the mount found that the server gives no receipts (accepted writes then count as delivered). */
  receiptsAvailable: boolean;
}

export async function loadPushRecords(mountDir: string): Promise<PushRecords> {
  const [outbox, deadLetters, conflicts, state, publicState, merges] = await Promise.all([
    readOutbox(mountDir),
    readDeadLettersCached(mountDir),
    listConflicts(mountDir),
    readMountState(mountDir),
    readPublicState(mountDir),
    readMergeNotes(mountDir),
  ]);
  return {
    ops: outbox.ops,
    deadLetters: deadLetters.entries,
    conflicts,
    tracked: state?.files ?? {},
    merges,
    workspaceId: state?.workspaceId,
    remoteRoot: state?.remoteRoot ?? "/",
    receiptsAvailable: !("state" in publicState) || publicState.state?.receipts?.available !== false,
  };
}
