/**
 * Whether two `stat`s are of the same file (device and inode): a path whose file was removed and made again is not.
 * Where the system gives no inode (Windows), any two are taken as the same.
 */
export function sameFile(a: Deno.FileInfo, b: Deno.FileInfo): boolean {
  return a.ino === null || b.ino === null || (a.ino === b.ino && a.dev === b.dev);
}
