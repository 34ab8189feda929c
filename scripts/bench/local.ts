/** The benchmark's side of a mounted folder: when a sync finished, when a file arrived. */
import { dirname, join } from "node:path";
import { sleep } from "./remote.ts";

/**
 * Waits until the mount reports a completed sync in `.relay/state.json` (both implementations write
 * `lastSuccessfulReconcileAt` there).
 */
export async function waitForFirstSync(dir: string, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    try {
      const state = JSON.parse(await Deno.readTextFile(join(dir, ".relay", "state.json")));
      if (state.lastSuccessfulReconcileAt) return;
    } catch {
      // not written yet, or caught mid-write
    }
    await sleep(20);
  }
  throw new Error(`no completed sync in ${dir} after ${timeoutMs} ms`);
}

/** Polls `file` until it holds `content`; the `performance.now()` it was first seen, or undefined at the timeout. */
export async function waitForContent(file: string, content: string, timeoutMs: number): Promise<number | undefined> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const text = await Deno.readTextFile(file).catch(() => undefined);
    if (text === content) return performance.now();
    await sleep(2);
  }
  return undefined;
}

/**
 * Waits until every relative path in `expected` exists under `dir`, reading each folder until it is complete (a
 * complete folder is not read again, so polling stays cheap for 10,000 files). Returns how many were found and when
 * the last one was (`performance.now()`), or no time at the timeout.
 */
export async function waitForFiles(
  dir: string,
  expected: string[],
  timeoutMs: number,
): Promise<{ found: number; doneAt?: number }> {
  const missingByFolder = new Map<string, Set<string>>();
  for (const path of expected) {
    const folder = dirname(path);
    const names = missingByFolder.get(folder) ?? new Set();
    names.add(path.slice(folder.length + 1));
    missingByFolder.set(folder, names);
  }
  let missing = expected.length;
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    for (const [folder, names] of missingByFolder) {
      try {
        for await (const entry of Deno.readDir(join(dir, folder))) {
          if (entry.isFile && names.delete(entry.name)) missing--;
        }
      } catch {
        // the folder is not there yet
      }
      if (names.size === 0) missingByFolder.delete(folder);
    }
    if (missing === 0) return { found: expected.length, doneAt: performance.now() };
    await sleep(10);
  }
  return { found: expected.length - missing };
}
