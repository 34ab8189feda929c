/**
 * `<mount>/.relay/mount.lock`: one daemon per folder. The running mount holds an exclusive lock on the file (the
 * kernel drops it when the process ends, SIGKILL included, so a crash cannot leave the folder locked), and writes its
 * pid and a heartbeat into it every second. A second mount is refused, naming the pid. `writeback retry` reads the
 * heartbeat to know whether to hand an op to the running mount or send it itself. The lock is on the file, so a
 * `.relay/` removed under a running mount (`rm -rf`, `git clean -fdx`) takes it away: each beat checks that the file
 * at the path is still the one held, and takes a new one if not.
 */
import { join } from "node:path";
import * as v from "valibot";
import { MountBusyError } from "../lib/errors.ts";
import { sameFile } from "../lib/same_file.ts";
import { relayPaths } from "./relay_dir.ts";

const LockSchema = v.looseObject({
  pid: v.number(),
  startedAt: v.string(),
  heartbeatAt: v.optional(v.string()),
});

export type DaemonMarker = v.InferOutput<typeof LockSchema>;

/** The lock's content is written in place (the lock is on the file, not its name), padded so it never shrinks. */
const RECORD_BYTES = 256;

function lockFile(mountDir: string): string {
  return join(relayPaths(mountDir).root, "mount.lock");
}

/** The folder's lock, held until `release()`. */
export interface MountLock {
  /**
   * Refreshes the heartbeat; takes the lock again when its file was removed. Throws `MountBusyError` when another
   * mount took the folder meanwhile.
   */
  beat(marker: DaemonMarker): Promise<void>;
  release(): Promise<void>;
}

/** Takes the folder's lock for this process, or throws `MountBusyError` naming the pid of the mount that holds it. */
export async function acquireMountLock(mountDir: string, marker: DaemonMarker): Promise<MountLock> {
  const path = lockFile(mountDir);
  let file = await lockFileAt(mountDir, path);
  /** The file at the path is the one this process holds. */
  const stillHeld = async () => {
    const [held, onDisk] = await Promise.all([file.stat(), Deno.stat(path).catch(() => undefined)]);
    return onDisk !== undefined && sameFile(held, onDisk);
  };
  const write = async (record: DaemonMarker) => {
    const bytes = new TextEncoder().encode(JSON.stringify(record).padEnd(RECORD_BYTES - 1) + "\n");
    await file.seek(0, Deno.SeekMode.Start);
    for (let written = 0; written < bytes.length;) written += await file.write(bytes.subarray(written));
    await file.truncate(bytes.length);
  };
  await write(marker);
  let released = false;
  return {
    beat: async (record) => {
      if (released) return;
      if (!(await stillHeld())) {
        const next = await lockFileAt(mountDir, path);
        file.close();
        file = next;
      }
      await write(record);
    },
    release: async () => {
      if (released) return;
      released = true;
      if (await stillHeld()) await Deno.remove(path).catch(() => {}); // never another mount's
      file.close(); // closing drops the lock
    },
  };
}

/** Opens and locks the lock file, making `.relay/` when missing — never the mount folder itself. */
async function lockFileAt(mountDir: string, path: string): Promise<Deno.FsFile> {
  await Deno.mkdir(relayPaths(mountDir).root, { mode: 0o700 }).catch((error) => {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  });
  const file = await Deno.open(path, { read: true, write: true, create: true, mode: 0o600 });
  if (await file.tryLock(true)) return file;
  file.close();
  const holder = await readDaemonMarker(mountDir);
  throw new MountBusyError(
    `another relayfile mount${holder ? ` (pid ${holder.pid})` : ""} is running on ${mountDir}`,
    { hint: "stop that mount first: a folder has one mount at a time" },
  );
}

export async function readDaemonMarker(mountDir: string): Promise<DaemonMarker | undefined> {
  try {
    const parsed = v.safeParse(LockSchema, JSON.parse(await Deno.readTextFile(lockFile(mountDir))));
    return parsed.success ? parsed.output : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The marker of the mount holding the folder's lock, whatever its heartbeat says (a mount stuck in a long computation
 * holds the lock and beats no more); `undefined` when no process holds it. Takes no lock: a shared one is tried, and
 * let go at once.
 */
export async function lockHolder(mountDir: string): Promise<DaemonMarker | undefined> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(lockFile(mountDir), { read: true });
  } catch {
    return undefined;
  }
  try {
    if (await file.tryLock(false)) {
      await file.unlock();
      return undefined;
    }
  } finally {
    file.close();
  }
  return await readDaemonMarker(mountDir) ?? { pid: 0, startedAt: "" };
}
