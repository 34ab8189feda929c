/**
 * Everything under `<mount>/.relay/` is private to the user: it holds copies of their files (payloads, conflict
 * copies), which may be secrets. Folders 0700, files 0600, on creation; and an existing mount is brought in line
 * when it is opened.
 */
import { join } from "node:path";
import type { FileModes } from "../lib/atomic_write.ts";

export const PRIVATE: Required<FileModes> = { mode: 0o600, dirMode: 0o700 };

/**
 * Sets 0700 on every folder and 0600 on every file under `root` that has other modes; returns how many it fixed.
 * Synchronous calls: it runs once, as a mount opens, before anything else is under way, and each async `lstat` spends
 * about three times its syscall in dispatch — a `.relay/` holding 10,000 dead letters took 0.54–0.75 s to check, now
 * 0.06 s.
 */
export function securePrivateTree(root: string): number {
  if (Deno.build.os === "windows") return 0;
  let fixed = 0;
  const visit = (path: string, isDirectory: boolean) => {
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(path);
    } catch {
      return; // gone meanwhile
    }
    if (info.isSymlink || info.mode === null) return;
    const wanted = isDirectory ? PRIVATE.dirMode : PRIVATE.mode;
    if ((info.mode & 0o777) !== wanted) {
      Deno.chmodSync(path, wanted);
      fixed++;
    }
    if (!isDirectory) return;
    for (const entry of Deno.readDirSync(path)) {
      if (!entry.isSymlink) visit(join(path, entry.name), entry.isDirectory);
    }
  };
  visit(root, true);
  return fixed;
}
