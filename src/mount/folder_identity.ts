/**
 * Whether the mount folder is still the one the mount started in. A folder removed (`rm -rf`) or replaced (`rm -rf`
 * then `mkdir`) makes every synced file look deleted: sending that would empty the workspace for everyone, so the
 * mount checks this before it deletes anything and stops when it fails.
 */
import { sameFile } from "../lib/same_file.ts";

export function folderIdentity(mountDir: string): () => boolean {
  const start = Deno.statSync(mountDir);
  return () => {
    try {
      const now = Deno.statSync(mountDir);
      return now.isDirectory && sameFile(start, now);
    } catch {
      return false;
    }
  };
}
