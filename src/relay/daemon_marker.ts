/**
 * `<mount>/.relay/mount.pid`: a running mount's heartbeat, so that `writeback retry` knows whether to hand an op to
 * it or to send it itself. (The Go CLI writes the same file without a heartbeat; such a file reads as "not known to
 * be running".)
 */
import { join } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../lib/atomic_write.ts";
import { relayPaths } from "./relay_dir.ts";

const MarkerSchema = z.looseObject({
  pid: z.number(),
  startedAt: z.string(),
  heartbeatAt: z.string().optional(),
});

export type DaemonMarker = z.infer<typeof MarkerSchema>;

/** A heartbeat older than this means the mount is gone (it beats every second). */
export const HEARTBEAT_STALE_MS = 6_000;

function markerFile(mountDir: string): string {
  return join(relayPaths(mountDir).root, "mount.pid");
}

export function writeDaemonMarker(mountDir: string, marker: DaemonMarker): Promise<void> {
  return writeFileAtomic(markerFile(mountDir), JSON.stringify(marker) + "\n");
}

export async function removeDaemonMarker(mountDir: string): Promise<void> {
  await Deno.remove(markerFile(mountDir)).catch(() => {});
}

export async function readDaemonMarker(mountDir: string): Promise<DaemonMarker | undefined> {
  try {
    const parsed = MarkerSchema.safeParse(JSON.parse(await Deno.readTextFile(markerFile(mountDir))));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Pure: is the mount that wrote `marker` still beating at `now`? */
export function isDaemonAlive(marker: DaemonMarker | undefined, now: number): boolean {
  const beat = Date.parse(marker?.heartbeatAt ?? "");
  return !Number.isNaN(beat) && now - beat < HEARTBEAT_STALE_MS;
}
