/**
 * Everything under `<mount>/.relay/` is private to the user: it holds copies of their files (payloads, conflict
 * copies), which may be secrets. Folders 0700, files 0600, on creation; and an existing mount is brought in line
 * when it is opened.
 */
import { join } from "node:path";
import type { FileModes } from "../lib/atomic_write.ts";

export const PRIVATE: Required<FileModes> = { mode: 0o600, dirMode: 0o700 };

/** Sets 0700 on every folder and 0600 on every file under `root` that has other modes; returns how many it fixed. */
export async function securePrivateTree(root: string): Promise<number> {
  if (Deno.build.os === "windows") return 0;
  let fixed = 0;
  const visit = async (path: string, isDirectory: boolean) => {
    const info = await Deno.lstat(path).catch(() => undefined);
    if (!info || info.isSymlink || info.mode === null) return;
    const wanted = isDirectory ? PRIVATE.dirMode : PRIVATE.mode;
    if ((info.mode & 0o777) !== wanted) {
      await Deno.chmod(path, wanted);
      fixed++;
    }
    if (!isDirectory) return;
    for await (const entry of Deno.readDir(path)) {
      if (entry.isSymlink) continue;
      await visit(join(path, entry.name), entry.isDirectory);
    }
  };
  await visit(root, true);
  return fixed;
}
