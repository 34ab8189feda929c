/** `<mount>/.relay/conflicts/<remote path>.<rev>.local`: local bytes kept when a remote change won. */
import { join, relative, sep } from "node:path";
import { writeFileAtomic } from "../lib/atomic_write.ts";
import { PRIVATE } from "./private.ts";
import { relayPaths } from "./relay_dir.ts";

const LOCAL_COPY = /^(.+)\.([^./]+)\.local$/;

export interface ConflictCopy {
  remotePath: string;
  revision: string;
  file: string;
}

/**
 * Keeps the local bytes of `remotePath` as `conflicts/<remote path>.<rev>.local` (atomically, private); returns the
 * file written.
 */
export async function saveConflictCopy(
  mountDir: string,
  remotePath: string,
  revision: string | null,
  bytes: Uint8Array,
): Promise<string> {
  const rev = (revision ?? "new").replace(/[^\w.-]/g, "_");
  const relativeName = `${remotePath.replace(/^\/+/, "")}.${rev}.local`;
  const target = join(relayPaths(mountDir).conflicts, ...relativeName.split("/"));
  await writeFileAtomic(target, bytes, PRIVATE);
  return target;
}

/** Every conflict copy outside `conflicts/resolved/`. */
export async function listConflicts(mountDir: string): Promise<ConflictCopy[]> {
  const root = relayPaths(mountDir).conflicts;
  const copies: ConflictCopy[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(dir));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) {
        if (!(dir === root && entry.name === "resolved")) await walk(path);
        continue;
      }
      const match = LOCAL_COPY.exec(relative(root, path).split(sep).join("/"));
      if (entry.isFile && match) copies.push({ remotePath: `/${match[1]}`, revision: match[2]!, file: path });
    }
  };
  await walk(root);
  return copies.sort((a, b) => a.remotePath.localeCompare(b.remotePath));
}
