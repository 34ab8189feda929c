import { basename, dirname, join } from "node:path";
import { writeAll } from "./whole_files.ts";
import { mapConcurrent } from "./map_concurrent.ts";

const encoder = new TextEncoder();

/** The mode of the file written (default 0644) and of folders created for it (default: the process's). */
export interface FileModes {
  mode?: number;
  dirMode?: number;
}
const SYNC_WRITE_LIMIT = 64 * 1024;

/**
 * Replaces `path` with `data` so that a reader (or a crash) sees either the old file or the new one, never a part:
 * temp file in the same folder, write, fsync, rename, fsync of the folder.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, options: FileModes = {}): Promise<void> {
  const dir = dirname(path);
  await Deno.mkdir(dir, { recursive: true, ...(options.dirMode ? { mode: options.dirMode } : {}) });
  await replaceFile(path, data, options.mode ?? 0o644);
  await syncDirectory(dir);
}

/** Temp file beside `path`, written and fsynced, renamed over it. The folder's fsync is the caller's. */
async function replaceFile(path: string, data: Uint8Array | string, mode: number): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.tmp-${crypto.randomUUID()}`);
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  try {
    // Creating the file goes to the thread pool: on a busy disk it costs more than a millisecond, and the main
    // thread has a burst's other files to read and send meanwhile. Small records are written and renamed
    // synchronously (there the async calls cost more in dispatch than the syscalls); the fsync goes async too.
    const small = bytes.length <= SYNC_WRITE_LIMIT;
    const file = await Deno.open(temp, { write: true, createNew: true, mode });
    try {
      if (small) {
        let written = 0;
        while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
      } else {
        await writeAll(file, bytes);
      }
      await file.sync();
    } finally {
      file.close();
    }
    if (small) Deno.renameSync(temp, path);
    else await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/**
 * Many files at once, each atomically: temp files written and fsynced a few at a time, renamed, then one fsync per
 * folder — the cost of a burst is about one fsync per file, not two.
 */
export async function writeFilesAtomic(
  files: readonly { path: string; data: Uint8Array | string }[],
  options: FileModes & { concurrency?: number } = {},
): Promise<void> {
  const dirs = new Set(files.map((file) => dirname(file.path)));
  const dirMode = options.dirMode ? { mode: options.dirMode } : {};
  await Promise.all([...dirs].map((dir) => Deno.mkdir(dir, { recursive: true, ...dirMode })));
  const mode = options.mode ?? 0o644;
  await mapConcurrent(files, options.concurrency ?? 64, (file) => replaceFile(file.path, file.data, mode));
  await Promise.all([...dirs].map(syncDirectory));
}

/** Pretty-printed JSON with a trailing newline, written atomically. */
export function writeJsonAtomic(path: string, value: unknown, options: FileModes = {}): Promise<void> {
  return writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n", options);
}

async function syncDirectory(dir: string): Promise<void> {
  if (Deno.build.os === "windows") return;
  try {
    const handle = await Deno.open(dir, { read: true });
    try {
      await handle.sync();
    } finally {
      handle.close();
    }
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself has already happened.
  }
}
