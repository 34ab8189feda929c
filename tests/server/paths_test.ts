import { containsPath, invalidPathReason, normalizeStorePath, parentFolders } from "../../src/server/paths.ts";
import { assertEquals } from "../support/assert.ts";

// The normalization cases of the path contract (spec §8), restated as data: quirks are kept as the contract pins them.
const NORMALIZATION: { name: string; path: string; normalized: string; quirk?: boolean }[] = [
  { name: "empty-is-root", path: "", normalized: "/" },
  { name: "root-stays-root", path: "/", normalized: "/" },
  { name: "leading-slash-added", path: "github/repos", normalized: "/github/repos" },
  { name: "one-trailing-slash-trimmed", path: "/github/repos/", normalized: "/github/repos" },
  { name: "plain-path-unchanged", path: "/notion/Docs/A.md", normalized: "/notion/Docs/A.md" },
  { name: "case-preserved", path: "/GitHub/Repo", normalized: "/GitHub/Repo" },
  { name: "only-one-trailing-slash-trimmed", path: "/a//", normalized: "/a/", quirk: true },
  { name: "dot-dot-kept", path: "/a/../b", normalized: "/a/../b", quirk: true },
  { name: "dot-kept", path: "/a/./b", normalized: "/a/./b", quirk: true },
  { name: "double-slash-kept", path: "/a//b", normalized: "/a//b", quirk: true },
  { name: "relative-with-trailing-slash", path: "github/", normalized: "/github" },
  { name: "spaces-are-bytes", path: "/a b/c", normalized: "/a b/c" },
];

const CONTAINMENT: { name: string; base: string; candidate: string; contains: boolean }[] = [
  { name: "root-contains-everything", base: "/", candidate: "/github/x", contains: true },
  { name: "root-contains-root", base: "/", candidate: "/", contains: true },
  { name: "equal-paths", base: "/github", candidate: "/github", contains: true },
  { name: "child", base: "/github", candidate: "/github/repos", contains: true },
  { name: "deep-descendant", base: "/github", candidate: "/github/a/b/c", contains: true },
  { name: "sibling-prefix-is-not-contained", base: "/github", candidate: "/github2", contains: false },
  { name: "sibling-prefix-child", base: "/github", candidate: "/github2/x", contains: false },
  { name: "case-sensitive", base: "/github", candidate: "/GitHub/x", contains: false },
  { name: "relative-base-normalized", base: "github", candidate: "/github/x", contains: true },
  { name: "trailing-slash-base-normalized", base: "/github/", candidate: "/github/x", contains: true },
  { name: "parent-is-not-contained", base: "/github/repos", candidate: "/github", contains: false },
  { name: "unrelated", base: "/notion", candidate: "/github/x", contains: false },
];

Deno.test("normalizeStorePath() passes every normalization case of the path contract", async (t) => {
  for (const testCase of NORMALIZATION) {
    await t.step(testCase.name, () => assertEquals(normalizeStorePath(testCase.path), testCase.normalized));
  }
});

Deno.test("containsPath() passes every containment case of the path contract", async (t) => {
  for (const testCase of CONTAINMENT) {
    await t.step(testCase.name, () => assertEquals(containsPath(testCase.base, testCase.candidate), testCase.contains));
  }
});

Deno.test("invalidPathReason() refuses what the store would otherwise keep literally", () => {
  assertEquals(invalidPathReason("/docs/a.md"), undefined);
  for (const path of ["", "/", "/a/../b", "/a/./b", "/a//b", "/a\0b", "/tab\there"]) {
    assertEquals(typeof invalidPathReason(path), "string", JSON.stringify(path));
  }
  assertEquals(typeof invalidPathReason(`/${"x".repeat(5000)}`), "string");
});

Deno.test("parentFolders() lists the folders above a file, outermost first", () => {
  assertEquals(parentFolders("/a/b/c.md"), ["/a", "/a/b"]);
  assertEquals(parentFolders("/c.md"), []);
});
