import { pathMatches, scopeAllows, scopeGrantsAny, scopePathMountRoot } from "../../src/protocol/scopes.ts";
import { assertEquals } from "../support/assert.ts";

// Auth-matching cases of the path contract (spec §8), restated as data.
const AUTH_MATCHING: { name: string; scopes: string[]; required: string; file: string; allows: boolean }[] = [
  { name: "bare-literal-grants-everything", scopes: ["fs:read"], required: "fs:read", file: "/a/b", allows: true },
  { name: "bare-literal-other-action", scopes: ["fs:read"], required: "fs:write", file: "/a", allows: false },
  {
    name: "three-segment-is-whole-namespace",
    scopes: ["relayfile:fs:read"],
    required: "fs:read",
    file: "/x",
    allows: true,
  },
  {
    name: "star-path-is-whole-namespace",
    scopes: ["relayfile:fs:read:*"],
    required: "fs:read",
    file: "",
    allows: true,
  },
  {
    name: "exact-path",
    scopes: ["relayfile:fs:write:/docs/a.md"],
    required: "fs:write",
    file: "/docs/a.md",
    allows: true,
  },
  {
    name: "exact-path-other-file",
    scopes: ["relayfile:fs:write:/docs/a.md"],
    required: "fs:write",
    file: "/docs/b.md",
    allows: false,
  },
  {
    name: "recursive-glob-matches-directory-node-itself",
    scopes: ["relayfile:fs:read:/docs/**"],
    required: "fs:read",
    file: "/docs",
    allows: true,
  },
  {
    name: "recursive-glob-matches-deep-descendant",
    scopes: ["relayfile:fs:read:/docs/**"],
    required: "fs:read",
    file: "/docs/a/b/c.md",
    allows: true,
  },
  {
    name: "descendant-glob-denies-directory-node-itself",
    scopes: ["relayfile:fs:read:/docs/*"],
    required: "fs:read",
    file: "/docs",
    allows: false,
  },
  {
    name: "descendant-glob-matches-any-depth",
    scopes: ["relayfile:fs:read:/docs/*"],
    required: "fs:read",
    file: "/docs/a/b.md",
    allows: true,
  },
  {
    name: "name-prefix-glob-is-raw-prefix",
    scopes: ["relayfile:fs:read:/github*"],
    required: "fs:read",
    file: "/github/x",
    allows: true,
  },
  {
    name: "name-prefix-glob-sibling",
    scopes: ["relayfile:fs:read:/github*"],
    required: "fs:read",
    file: "/github2",
    allows: true,
  },
  {
    name: "root-grant-matches-only-root",
    scopes: ["relayfile:fs:read:/"],
    required: "fs:read",
    file: "/docs",
    allows: false,
  },
  {
    name: "case-sensitive",
    scopes: ["relayfile:fs:read:/Docs/**"],
    required: "fs:read",
    file: "/docs/a",
    allows: false,
  },
  {
    name: "narrow-grant-suppresses-bare-literal-outside",
    scopes: ["fs:read", "relayfile:fs:read:/docs/**"],
    required: "fs:read",
    file: "/other",
    allows: false,
  },
  {
    name: "narrow-grant-with-bare-literal-inside",
    scopes: ["fs:read", "relayfile:fs:read:/docs/**"],
    required: "fs:read",
    file: "/docs/x",
    allows: true,
  },
  {
    name: "narrow-grant-denies-empty-required-path",
    scopes: ["relayfile:fs:read:/docs/**"],
    required: "fs:read",
    file: "",
    allows: false,
  },
  { name: "wildcard-action-matches-write", scopes: ["relayfile:fs:*"], required: "fs:write", file: "/a", allows: true },
  { name: "manage-implies-write", scopes: ["relayfile:fs:manage"], required: "fs:write", file: "/a", allows: true },
  {
    name: "manage-implies-read",
    scopes: ["relayfile:fs:manage:/a/**"],
    required: "fs:read",
    file: "/a/b",
    allows: true,
  },
  {
    name: "wildcard-action-matches-manage",
    scopes: ["relayfile:fs:*:/a"],
    required: "fs:manage",
    file: "/a",
    allows: true,
  },
  { name: "nothing-implies-manage", scopes: ["relayfile:fs:write"], required: "fs:manage", file: "/a", allows: false },
  { name: "write-does-not-imply-read", scopes: ["relayfile:fs:write"], required: "fs:read", file: "/a", allows: false },
  { name: "wildcard-resource-matches", scopes: ["relayfile:*:read"], required: "fs:read", file: "/a", allows: true },
  { name: "wildcard-plane-matches", scopes: ["*:fs:read"], required: "fs:read", file: "/a", allows: true },
  { name: "unknown-plane-never-matches", scopes: ["github:fs:read"], required: "fs:read", file: "/a", allows: false },
  {
    name: "workspace-plane-second-segment-is-label-not-resource",
    scopes: ["workspace:team-a:read:/docs/**"],
    required: "fs:read",
    file: "/docs/x",
    allows: true,
  },
  {
    name: "workspace-plane-three-segment-is-full-namespace",
    scopes: ["workspace:team-a:write"],
    required: "fs:write",
    file: "/x",
    allows: true,
  },
  { name: "other-resource", scopes: ["relayfile:ops:read"], required: "fs:read", file: "/a", allows: false },
  {
    name: "required-file-path-is-whitespace-trimmed",
    scopes: ["relayfile:fs:read:/a"],
    required: "fs:read",
    file: " /a ",
    allows: true,
  },
  {
    name: "scope-path-is-whitespace-trimmed",
    scopes: [" relayfile:fs:read:/a "],
    required: "fs:read",
    file: "/a",
    allows: true,
  },
  {
    name: "colon-in-scope-path-is-preserved",
    scopes: ["relayfile:fs:read:/a:b/**"],
    required: "fs:read",
    file: "/a:b/c",
    allows: true,
  },
  {
    name: "invalid-scope-path-authorizes-nothing",
    scopes: ["relayfile:fs:read:/github/*/issues"],
    required: "fs:read",
    file: "/github/x/issues",
    allows: false,
  },
  { name: "empty-scope-set-denies", scopes: [], required: "fs:read", file: "/a", allows: false },
];

const SCOPE_PATHS: { name: string; path: string; mountsAt: string | null }[] = [
  { name: "star", path: "*", mountsAt: "/" },
  { name: "root", path: "/", mountsAt: "/" },
  { name: "exact", path: "/github/repos", mountsAt: "/github/repos" },
  { name: "recursive", path: "/a/b/**", mountsAt: "/a/b" },
  { name: "descendants", path: "/a/b/*", mountsAt: "/a/b" },
  { name: "name-prefix", path: "/a/acme-*", mountsAt: "/a" },
  { name: "root-recursive", path: "/**", mountsAt: "/" },
  { name: "root-descendants", path: "/*", mountsAt: "/" },
  { name: "root-name-prefix", path: "/github*", mountsAt: "/" },
  { name: "mid-path-star", path: "/github/repos/*/*/issues/**", mountsAt: null },
  { name: "mid-path-single-star", path: "/github/*/issues", mountsAt: null },
  { name: "mid-path-recursive", path: "/github/**/issues", mountsAt: null },
  { name: "star-inside-segment", path: "/git*hub/repos", mountsAt: null },
  { name: "star-inside-last-segment", path: "/github/re*po", mountsAt: null },
  { name: "recursive-glued-to-name", path: "/github/x**", mountsAt: null },
  { name: "no-leading-slash", path: "github/**", mountsAt: null },
  { name: "bare-recursive", path: "**", mountsAt: null },
  { name: "empty-segment", path: "/a//b", mountsAt: null },
  { name: "trailing-slash", path: "/github/", mountsAt: null },
  { name: "dot-segment", path: "/a/./b", mountsAt: null },
  { name: "dot-dot-segment", path: "/a/../b", mountsAt: null },
  { name: "empty", path: "", mountsAt: null },
];

Deno.test("scopeAllows() passes the auth-matching cases of the path contract", async (t) => {
  for (const testCase of AUTH_MATCHING) {
    await t.step(testCase.name, () => {
      assertEquals(scopeAllows(testCase.scopes, testCase.required, testCase.file), testCase.allows);
    });
  }
});

Deno.test("scopePathMountRoot() validates scope paths like the path contract", async (t) => {
  for (const testCase of SCOPE_PATHS) {
    await t.step(testCase.name, () => assertEquals(scopePathMountRoot(testCase.path), testCase.mountsAt));
  }
});

Deno.test("scopeGrantsAny() sees narrow grants and literals, not other actions", () => {
  assertEquals(scopeGrantsAny(["relayfile:fs:write:/docs/**"], "fs:write"), true);
  assertEquals(scopeGrantsAny(["fs:write"], "fs:write"), true);
  assertEquals(scopeGrantsAny(["fs:read"], "fs:write"), false);
});

Deno.test("pathMatches() reads each glob form", () => {
  assertEquals(pathMatches("/a/**", "/a"), true);
  assertEquals(pathMatches("/a/*", "/a"), false);
  assertEquals(pathMatches("/a*", "/ab"), true);
});
