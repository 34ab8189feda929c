/** `writeback status PATH…`, pure: where each path stands, from a snapshot. */
import type { WritebackSnapshot } from "./snapshot.ts";

export type PathState =
  | "synced"
  | "pending"
  | "awaiting_provider"
  | "dead_lettered"
  | "provider_rejected"
  | "conflict"
  | "write_denied"
  | "unknown";

export interface PathStatus {
  path: string;
  state: PathState;
  revision?: string;
  opId?: string;
  /** Since when it waits for the provider, or what the provider said when it refused it. */
  detail?: string;
}

/** Where each remote path stands; a path is `synced` only when nothing else claims it. */
export function pathStatuses(snapshot: WritebackSnapshot, remotePaths: string[]): PathStatus[] {
  return remotePaths.map((path) => {
    const dead = snapshot.deadLettered.find((entry) => entry.paths.includes(path));
    if (dead?.classification === "provider") {
      return { path, state: "provider_rejected", opId: dead.opId, detail: dead.record?.provider?.error ?? dead.reason };
    }
    if (dead) return { path, state: "dead_lettered", opId: dead.opId };
    const file = snapshot.state?.files[path];
    if (snapshot.conflicts.some((copy) => copy.remotePath === path) || file?.status === "conflict") {
      return { path, state: "conflict" };
    }
    const queued = snapshot.queued.find((op) => op.path === path && op.state !== "accepted");
    if (queued) return { path, state: "pending", opId: queued.opId };
    const accepted = snapshot.queued.find((op) => op.path === path && op.state === "accepted");
    if (accepted) {
      return { path, state: "awaiting_provider", opId: accepted.opId, detail: `since ${accepted.receipt?.acceptedAt}` };
    }
    // Our mounts keep their queue in the outbox, which is current; state.json is saved a moment later and may still
    // say pending for an op that has just left it. Only a mount without an outbox (the Go mount's) is asked there.
    if (!snapshot.hasOutbox && file?.status === "writeback-pending") return { path, state: "pending" };
    if (file?.status === "write-denied" || file?.status === "read-denied") return { path, state: "write_denied" };
    if (file?.revision) return { path, state: "synced", revision: file.revision };
    return { path, state: "unknown" };
  });
}

export function formatPathStatus(status: PathStatus): string {
  const detail = [status.revision ?? status.opId, status.detail].filter(Boolean).join(", ");
  return `${status.path}\t${status.state.replaceAll("_", "-")}${detail ? ` (${detail})` : ""}`;
}
