/**
 * What the mount does with each change, pure: the last synced state of a path, what is on disk now, and what the
 * writeback queue holds go in; an action comes out. Nothing is overwritten silently in either direction: when both
 * sides changed, the local bytes are kept as a conflict copy.
 */

export interface PathFacts {
  /** What the path was at the last sync, or null when untracked. */
  tracked: { revision: string; hash: string } | null;
  /** Hash of the local file, or null when there is none. */
  localHash: string | null;
  /** The op queued for this path, if any. */
  queued: { hash: string | null; inFlight: boolean } | null;
}

export type RemoteFileAction =
  /** Already in sync with this revision. */
  | "skip"
  /** Write the remote bytes locally and track them. */
  | "write"
  /** The local bytes already equal the remote ones: just track the revision (and drop a queued identical op). */
  | "adopt"
  /** Both sides changed: keep the local bytes as a conflict copy, then write the remote ones. */
  | "conflict"
  /** An upload of this path is in flight: apply after it settles. */
  | "defer";

export function decideRemoteFile(facts: PathFacts, remote: { revision: string; hash: string }): RemoteFileAction {
  if (facts.queued?.inFlight) return "defer";
  if (facts.tracked?.revision === remote.revision && facts.queued === null) return "skip";
  if (facts.localHash === remote.hash) return "adopt";
  if (facts.localHash === null) return "write"; // nothing local to lose (a queued local delete yields to the change)
  const localUnchanged = facts.tracked !== null && facts.localHash === facts.tracked.hash;
  if (localUnchanged && facts.queued === null) return "write";
  return "conflict";
}

export type RemoteDeleteAction =
  /** Not ours, or already gone here: forget it. */
  | "forget"
  /** Unchanged here: remove the local file and forget it. */
  | "remove"
  /** Changed here since the last sync: keep it, forget the revision, so it is created again on the server. */
  | "keep-local"
  | "defer";

export function decideRemoteDelete(facts: PathFacts): RemoteDeleteAction {
  if (facts.queued?.inFlight) return "defer";
  if (facts.localHash === null || facts.tracked === null) return "forget";
  if (facts.localHash === facts.tracked.hash && facts.queued === null) return "remove";
  return "keep-local";
}

export type LocalAction =
  | "none"
  /** Send the local bytes (create when untracked, update otherwise). */
  | "upload"
  /** The file is gone here: delete it on the server (with If-Match of its revision). */
  | "delete"
  /** The token may not write this path: restore the server's version. */
  | "restore"
  /** The token may not write this path and the server has none: leave it, report it once. */
  | "refuse";

export function decideLocal(
  facts: PathFacts,
  context: { writable: boolean; deadLetteredHash: string | null | undefined },
): LocalAction {
  const { tracked, localHash, queued } = facts;
  if (localHash !== null) {
    if (tracked !== null && localHash === tracked.hash) return "none";
    if (queued !== null && queued.hash === localHash) return "none";
    if (context.deadLetteredHash !== undefined && context.deadLetteredHash === localHash) return "none";
    if (!context.writable) return tracked !== null ? "restore" : "refuse";
    return "upload";
  }
  if (tracked === null) return queued !== null && queued.hash !== null ? "delete" : "none";
  if (queued !== null && queued.hash === null) return "none";
  return context.writable ? "delete" : "restore";
}
