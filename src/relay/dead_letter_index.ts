/**
 * `<mount>/.relay/dead-letter.index`: the dead-letter folder as last read, so that `writeback status` over
 * thousands of records reads one file instead of thousands. A cache, checked against the folder before each use: the
 * same mount, the same folder mtime, the same file names. It is built only from a folder that had been still for a
 * second (so a change within the mtime's resolution cannot hide), by whoever reads the folder and may write there.
 * Records are written by rename (ours) or created (the Go tools'), both of which move the folder's mtime; a record
 * edited in place by hand is not seen until the folder changes.
 */
import { writeFileAtomic } from "../lib/atomic_write.ts";
import { type DeadLetters, readDeadLetters } from "./dead_letter.ts";
import { PRIVATE } from "./private.ts";
import { relayPaths } from "./relay_dir.ts";
import { join } from "node:path";

interface Index {
  version: 1;
  mountDir: string;
  folderMtimeMs: number;
  names: string;
  letters: DeadLetters;
}

/** A folder changed this recently is read, never cached. */
const SETTLE_MS = 1_000;

export async function readDeadLettersCached(mountDir: string, now = Date.now()): Promise<DeadLetters> {
  const folder = relayPaths(mountDir).deadLetter;
  const indexFile = join(relayPaths(mountDir).root, "dead-letter.index");
  let folderMtimeMs: number;
  let names: string;
  try {
    // Synchronous: ten thousand async directory steps cost more in dispatch than the listing itself.
    folderMtimeMs = Deno.statSync(folder).mtime?.getTime() ?? NaN;
    names = Array.from(Deno.readDirSync(folder), (entry) => entry.name).sort().join("\n");
  } catch {
    return await readDeadLetters(mountDir);
  }
  const index = readIndex(indexFile);
  if (
    index?.mountDir === mountDir && index.folderMtimeMs === folderMtimeMs && index.names === names
  ) return index.letters;
  const letters = await readDeadLetters(mountDir);
  if (!Number.isNaN(folderMtimeMs) && now - folderMtimeMs > SETTLE_MS && mayWrite(indexFile)) {
    const fresh: Index = { version: 1, mountDir, folderMtimeMs, names, letters };
    await writeFileAtomic(indexFile, JSON.stringify(fresh), PRIVATE).catch(() => {});
  }
  return letters;
}

function readIndex(file: string): Index | undefined {
  try {
    const value = JSON.parse(Deno.readTextFileSync(file)) as Index;
    return value?.version === 1 ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Writing the cache is a favour, not a need: a sandbox without write access just reads the folder each time. */
function mayWrite(file: string): boolean {
  return Deno.permissions.querySync({ name: "write", path: file }).state === "granted";
}
