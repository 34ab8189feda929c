/**
 * `<mount>/.relay/dead-letter.index`: the dead-letter folder as last read, so that `writeback status` over
 * thousands of records reads one file instead of thousands. A cache, checked against the folder before each use: the
 * same mount and the same folder stamp — its inode, mtime and ctime. Adding, removing or renaming a record moves both
 * times; a tool that puts the mtime back (`cp -a`, `rsync -a`, `tar x`) moves the ctime, which nothing but the kernel
 * sets. Where the system has no ctime or inode (Windows), the stamp also holds every file name, read each time. The
 * index is built only from a folder whose last change is over a second old (two, as the ctime counts whole seconds),
 * so that a change within a timestamp's resolution cannot hide — by whoever reads the folder and may write there, and
 * by a running mount as soon as the folder is still. A record edited in place by hand is not seen until the folder
 * changes.
 */
import { writeFileAtomic } from "../lib/atomic_write.ts";
import { type DeadLetters, readDeadLetters } from "./dead_letter.ts";
import { PRIVATE } from "./private.ts";
import { relayPaths } from "./relay_dir.ts";
import { join } from "node:path";

interface Index {
  version: 2;
  mountDir: string;
  stamp: string;
  letters: DeadLetters;
}

/** A folder changed this recently is read, never cached. */
const SETTLE_MS = 1_000;
/** Deno reports ctime in whole seconds: the last change may be up to a second after it. */
const CTIME_RESOLUTION_MS = 1_000;

export async function readDeadLettersCached(mountDir: string, now = Date.now()): Promise<DeadLetters> {
  const folder = relayPaths(mountDir).deadLetter;
  const indexFile = join(relayPaths(mountDir).root, "dead-letter.index");
  let stamp: Stamp;
  try {
    stamp = folderStamp(folder);
  } catch {
    return await readDeadLetters(mountDir);
  }
  const index = readIndex(indexFile);
  if (index?.mountDir === mountDir && index.stamp === stamp.text) return index.letters;
  const letters = await readDeadLetters(mountDir);
  if (now - stamp.lastChangeMs > SETTLE_MS && mayWrite(indexFile)) {
    const fresh: Index = { version: 2, mountDir, stamp: stamp.text, letters };
    await writeFileAtomic(indexFile, JSON.stringify(fresh), PRIVATE).catch(() => {});
  }
  return letters;
}

/**
 * For the running mount, once a second: when the folder changed since `indexed` (the stamp this returned last time)
 * and has been still long enough, reads it once so that the index is ready before anyone asks — `writeback status`
 * right after the mount dead-lettered something then reads one file. One `stat` when nothing changed. Returns the
 * stamp now indexed. Where the stamp needs every name (no ctime), it does nothing: listing the folder each second
 * would cost more than it saves.
 */
export async function keepDeadLetterIndexFresh(
  mountDir: string,
  indexed: string | undefined,
  now = Date.now(),
): Promise<string | undefined> {
  let stamp: Stamp;
  try {
    stamp = folderStamp(relayPaths(mountDir).deadLetter, { cheapOnly: true });
  } catch {
    return indexed;
  }
  if (!stamp.cheap || stamp.text === indexed || now - stamp.lastChangeMs <= SETTLE_MS) return indexed;
  await readDeadLettersCached(mountDir, now);
  return stamp.text;
}

interface Stamp {
  text: string;
  lastChangeMs: number;
  /** Made of the folder's own metadata alone (not of its names). */
  cheap: boolean;
}

/** What changes whenever the folder's list of records does; and when it last changed (NaN: unknown, never cache). */
function folderStamp(folder: string, options: { cheapOnly?: boolean } = {}): Stamp {
  const info = Deno.statSync(folder);
  const mtimeMs = info.mtime?.getTime() ?? NaN;
  const ctimeMs = info.ctime?.getTime() ?? NaN;
  const stamp = `${info.dev}:${info.ino}:${mtimeMs}:${ctimeMs}`;
  if (info.ino !== null && !Number.isNaN(ctimeMs)) {
    return { text: stamp, lastChangeMs: Math.max(mtimeMs, ctimeMs + CTIME_RESOLUTION_MS), cheap: true };
  }
  if (options.cheapOnly) return { text: stamp, lastChangeMs: mtimeMs, cheap: false };
  // Synchronous: ten thousand async directory steps cost more in dispatch than the listing itself.
  const names = Array.from(Deno.readDirSync(folder), (entry) => entry.name).sort().join("\n");
  return { text: `${stamp}\n${names}`, lastChangeMs: mtimeMs, cheap: false };
}

function readIndex(file: string): Index | undefined {
  try {
    const value = JSON.parse(Deno.readTextFileSync(file)) as Index;
    return value?.version === 2 ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Writing the cache is a favour, not a need: a sandbox without write access just reads the folder each time. */
function mayWrite(file: string): boolean {
  return Deno.permissions.querySync({ name: "write", path: file }).state === "granted";
}
