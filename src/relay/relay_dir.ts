/** The one place that names the files under `<mount>/.relay/`. */
import { join } from "node:path";

export interface RelayPaths {
  root: string;
  /** Public status, Go-compatible (spec §2.12.2). */
  state: string;
  /** Private: per-path revision and hash, events cursor. */
  mountState: string;
  /** `outbox/<opId>.json`: ops not yet settled. Also holds the Go mount's `pending/ failed/ acked/ attention/`. */
  outbox: string;
  goOutbox: { pending: string; failed: string; acked: string; attention: string };
  /** `dead-letter/<opId>.json`, ours and the Go CLI's. */
  deadLetter: string;
  /** `blobs/<sha256>`: payload snapshots. */
  blobs: string;
  /** `conflicts/<path>.<rev>.local`. */
  conflicts: string;
  /** One JSON line per op discarded on purpose. */
  discardedLog: string;
}

export function relayPaths(mountDir: string): RelayPaths {
  const root = join(mountDir, ".relay");
  const outbox = join(root, "outbox");
  return {
    root,
    state: join(root, "state.json"),
    mountState: join(root, "mount-state.json"),
    outbox,
    goOutbox: {
      pending: join(outbox, "pending"),
      failed: join(outbox, "failed"),
      acked: join(outbox, "acked"),
      attention: join(outbox, "attention"),
    },
    deadLetter: join(root, "dead-letter"),
    blobs: join(root, "blobs"),
    conflicts: join(root, "conflicts"),
    discardedLog: join(root, "discarded.log"),
  };
}

/** An op id that is safe as a file name: non-blank, not `.`/`..`, no path separators or NUL. */
export function isSafeOpId(opId: string): boolean {
  const trimmed = opId.trim();
  return trimmed !== "" && trimmed !== "." && trimmed !== ".." && !/[\\/\0]/.test(trimmed);
}
