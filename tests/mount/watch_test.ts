import { join } from "node:path";
import { LocalWatcher } from "../../src/mount/watch.ts";
import { assertEquals, assertOk } from "../support/assert.ts";
import { usingTempDir } from "../support/temp_dir.ts";
import { waitFor } from "../support/wait.ts";

/** A stand-in for `Deno.watchFs` that plays `script` (events and errors), then waits until it is closed. */
function scriptedWatcher(script: (Deno.FsEvent | Error)[]): Deno.FsWatcher {
  let closed: () => void = () => {};
  const whenClosed = new Promise<void>((resolve) => closed = resolve);
  const iterator: AsyncIterator<Deno.FsEvent> = {
    async next() {
      const step = script.shift();
      if (step instanceof Error) throw step;
      if (step) return { value: step, done: false };
      await whenClosed;
      return { value: undefined, done: true };
    },
  };
  return {
    close: closed,
    [Symbol.asyncIterator]: () => iterator,
    [Symbol.dispose]: closed,
  } as unknown as Deno.FsWatcher;
}

Deno.test("the watcher hands over changed paths relative to the folder, ignored ones left out", async () => {
  await using dir = await usingTempDir();
  const hints: string[] = [];
  const watcher = new LocalWatcher(dir.path, (paths) => hints.push(...paths));
  watcher.start();
  try {
    await Deno.mkdir(join(dir.path, "docs"));
    await Deno.writeTextFile(join(dir.path, "docs", "a.md"), "a\n");
    await Deno.writeTextFile(join(dir.path, ".DS_Store"), "junk");
    await waitFor("a hint for docs/a.md", () => hints.includes("docs/a.md"));
  } finally {
    await watcher.close();
  }
  assertEquals(hints.includes(".DS_Store"), false);
});

Deno.test("a watcher that cannot start (the system's watch limit) is said, not thrown: the scans carry the mount", async () => {
  const errors: unknown[] = [];
  const watcher = new LocalWatcher("/nowhere", () => {}, {
    onError: (error) => errors.push(error),
    watch: () => {
      throw new Error('OS file watch limit reached. about ["/nowhere/d102"]');
    },
  });
  watcher.start();
  await watcher.close();
  assertEquals(errors.length, 1);
});

Deno.test("an error among the watcher's events is said, and the events after it still come as hints", async () => {
  const errors: unknown[] = [];
  const hints: string[] = [];
  const root = "/mount";
  const event = (path: string): Deno.FsEvent => ({ kind: "modify", paths: [`${root}/${path}`] });
  const watcher = new LocalWatcher(root, (paths) => hints.push(...paths), {
    onError: (error) => errors.push(error),
    watch: () => scriptedWatcher([event("before.md"), new Error("OS file watch limit reached"), event("after.md")]),
  });
  watcher.start();
  try {
    await waitFor("the hint after the error", () => hints.includes("after.md"));
  } finally {
    await watcher.close();
  }
  assertEquals(hints.sort(), ["after.md", "before.md"]);
  assertOk(errors.length === 1, String(errors));
});
