import {
  localPathFor,
  normalizeRemotePath,
  providerOf,
  relativeToRoot,
  remotePathFor,
  remotePathFromArgument,
} from "../../src/protocol/paths.ts";
import { assertEquals } from "../support/assert.ts";

Deno.test("normalizeRemotePath() cleans like the Go mount client", async (t) => {
  const table: [string, string][] = [
    ["", "/"],
    ["  ", "/"],
    ["a/b", "/a/b"],
    ["/a//b/", "/a/b"],
    ["/a/./b", "/a/b"],
    ["/a/../b", "/b"],
    ["/../../etc", "/etc"],
    ["\\docs\\a.md", "/docs/a.md"],
  ];
  for (const [input, expected] of table) {
    await t.step(`${JSON.stringify(input)} → ${expected}`, () => assertEquals(normalizeRemotePath(input), expected));
  }
});

Deno.test("relativeToRoot() refuses paths outside the root and dot segments", () => {
  assertEquals(relativeToRoot("/notion", "/notion/Docs/A.md"), "Docs/A.md");
  assertEquals(relativeToRoot("/", "/a.md"), "a.md");
  assertEquals(relativeToRoot("/notion", "/notionx/a.md"), undefined);
  assertEquals(relativeToRoot("/notion", "/notion"), undefined);
  assertEquals(relativeToRoot("/", "/a/../../etc/passwd"), undefined);
  assertEquals(relativeToRoot("/", "/a\0b"), undefined);
});

Deno.test("localPathFor() keeps every path inside the mount folder", () => {
  assertEquals(localPathFor("/mnt/m/", "/notion", "/notion/a/b.md"), "/mnt/m/a/b.md");
  assertEquals(localPathFor("/mnt/m", "/", "/../x"), undefined);
});

Deno.test("remotePathFor() and providerOf() map a mount-relative path and its provider", () => {
  assertEquals(remotePathFor("/notion", "Docs/A.md"), "/notion/Docs/A.md");
  assertEquals(providerOf("/Notion/Docs/A.md"), "notion");
  assertEquals(providerOf("/"), "");
});

Deno.test("remotePathFromArgument() reads local files in the mount and remote paths otherwise", () => {
  const context = { cwd: "/mnt/m/docs", mountDir: "/mnt/m", remoteRoot: "/notion" };
  assertEquals(remotePathFromArgument("a.md", context), "/notion/docs/a.md");
  assertEquals(remotePathFromArgument("/mnt/m/b.md", context), "/notion/b.md");
  assertEquals(remotePathFromArgument("/notion/c.md", context), "/notion/c.md");
  assertEquals(remotePathFromArgument("x/y.md", { ...context, cwd: "/elsewhere" }), "/notion/x/y.md");
});
