/** The heartbeat a running mount writes into its lock every second (`mount_lock.ts`), judged at a given time; pure. */
import type { DaemonMarker } from "./mount_lock.ts";

/** A heartbeat older than this means the mount is gone (it beats every second). */
export const HEARTBEAT_STALE_MS = 6_000;

/** Pure: is the mount that wrote `marker` still beating at `now` (its last beat younger than `staleAfterMs`)? */
export function isDaemonAlive(
  marker: DaemonMarker | undefined,
  now: number,
  staleAfterMs = HEARTBEAT_STALE_MS,
): boolean {
  const beat = Date.parse(marker?.heartbeatAt ?? "");
  return !Number.isNaN(beat) && now - beat < staleAfterMs;
}
