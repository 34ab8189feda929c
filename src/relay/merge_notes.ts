/**
 * `<mount>/.relay/merged/<sha256>`: which content a change was merged into (`writeback push` follows a file by its
 * content; when the mount merged that content with the server's, the merge is what it follows). One small file per
 * merge, holding the merged content's hash; pruned with the bases.
 */
import { join } from "node:path";
import { PRIVATE } from "./private.ts";
import { relayPaths } from "./relay_dir.ts";

function notesDir(mountDir: string): string {
  return join(relayPaths(mountDir).root, "merged");
}

/** Notes that the local content `from` was merged into `into`. */
export async function noteMerge(mountDir: string, from: string, into: string): Promise<void> {
  const dir = notesDir(mountDir);
  await Deno.mkdir(dir, { recursive: true, mode: PRIVATE.dirMode });
  await Deno.writeTextFile(join(dir, from), `${into}\n`, { mode: PRIVATE.mode });
}

/** Every note: merged-from hash → merged-into hash. */
export async function readMergeNotes(mountDir: string): Promise<Record<string, string>> {
  const notes: Record<string, string> = {};
  try {
    for await (const entry of Deno.readDir(notesDir(mountDir))) {
      if (!entry.isFile) continue;
      const into = (await Deno.readTextFile(join(notesDir(mountDir), entry.name)).catch(() => "")).trim();
      if (/^[0-9a-f]{64}$/.test(into)) notes[entry.name] = into;
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return notes;
}

/** Removes the notes of merges whose result is no longer in `keep` (tracked or on its way). */
export async function pruneMergeNotes(mountDir: string, keep: ReadonlySet<string>): Promise<void> {
  for (const [from, into] of Object.entries(await readMergeNotes(mountDir))) {
    if (!keep.has(into)) await Deno.remove(join(notesDir(mountDir), from)).catch(() => {});
  }
}
