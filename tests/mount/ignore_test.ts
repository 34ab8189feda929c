import { isIgnored, isIgnoredDir } from "../../src/mount/ignore.ts";
import { assertEquals } from "../support/assert.ts";

Deno.test("isIgnored() skips runtime, VCS and dependency folders and editor temp files, nothing else", async (t) => {
  const table: [string, boolean][] = [
    ["docs/a.md", false],
    [".env", false],
    ["notes/.hidden.md", false],
    [".relay/state.json", true],
    [".git/config", true],
    ["pkg/node_modules/x/index.js", true],
    ["node_modules", true],
    ["docs/.a.md.swp", true],
    ["docs/.#a.md", true],
    ["docs/#a.md#", true],
    ["docs/a.md~", true],
    ["docs/4913", true],
    [".DS_Store", true],
    ["docs/.relayfile-tmp-1234", true],
    ["docs/.a.md.tmp-0b1f9c3e-5a1d-4c1a-9c0e-2f8e6a7b9c10", true],
  ];
  for (const [path, ignored] of table) await t.step(path, () => assertEquals(isIgnored(path), ignored));
});

Deno.test("isIgnoredDir() is true inside an ignored folder", () => {
  assertEquals(isIgnoredDir("a/.git/objects"), true);
  assertEquals(isIgnoredDir("a/b"), false);
});
