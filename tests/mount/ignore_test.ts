import { BUILT_IN_RULES, IgnoreRules } from "../../src/mount/ignore.ts";
import { assertEquals } from "../support/assert.ts";

Deno.test("IgnoreRules: the built-in rules skip runtime, VCS and dependency folders, OS junk and editor temp files", async (t) => {
  const table: [string, boolean][] = [
    ["docs/a.md", false],
    [".env", false],
    ["notes/.hidden.md", false],
    [".relayignore", false],
    [".relay/state.json", true],
    [".git/config", true],
    ["pkg/node_modules/x/index.js", true],
    ["node_modules", true],
    ["docs/.a.md.swp", true],
    ["docs/.#a.md", true],
    ["docs/#a.md#", true],
    ["docs/a.md~", true],
    ["docs/4913", true],
    ["docs/a.md___jb_tmp___", true],
    ["docs/a.md___jb_old___", true],
    ["docs/.~lock.report.odt#", true],
    ["docs/.goutputstream-Q1Z8X2", true],
    ["docs/lock.md", false],
    [".DS_Store", true],
    [".ssh/id_ed25519", true],
    [".relayfile/credentials.json", true],
    ["photos/Thumbs.db", true],
    ["docs/.relayfile-tmp-1234", true],
    ["docs/.a.md.tmp-0b1f9c3e-5a1d-4c1a-9c0e-2f8e6a7b9c10", true],
  ];
  for (const [path, ignored] of table) await t.step(path, () => assertEquals(BUILT_IN_RULES.ignores(path), ignored));
});

Deno.test("IgnoreRules: reserved names match whatever their case, and no rule can bring them back", () => {
  const rules = new IgnoreRules(["!.git/", "!.relay/"]);
  for (const path of [".GIT/hooks/pre-commit", ".Relay/state.json", "sub/.Git/config", ".git", ".RELAY"]) {
    assertEquals(rules.ignores(path), true, path);
  }
});

Deno.test("IgnoreRules: gitignore syntax from .relayignore and --exclude, negation included", () => {
  const rules = new IgnoreRules(["secrets/", "*.pem", "# a comment", "", "/build", "logs/*.log", "!logs/keep.log"]);
  const table: [string, boolean][] = [
    ["secrets/token.txt", true],
    ["deep/secrets/token.txt", true],
    ["keys/server.pem", true],
    ["build/out.js", true],
    ["src/build/out.js", false],
    ["logs/a.log", true],
    ["logs/keep.log", false],
    ["docs/readme.md", false],
  ];
  for (const [path, ignored] of table) assertEquals(rules.ignores(path), ignored, path);
  assertEquals(rules.ignoresDir("secrets"), true);
});

Deno.test("update() takes new patterns in place, for every holder of the rules, and says whether they differ", () => {
  const rules = new IgnoreRules(["*.log"]);
  assertEquals(rules.update(["*.log"]), false);
  assertEquals(rules.ignores("prod.env"), false);
  assertEquals(rules.update(["*.log", "*.env"]), true);
  assertEquals(rules.ignores("prod.env"), true);
  assertEquals(rules.ignores("debug.log"), true);
  assertEquals(rules.ignores(".ssh/id_rsa"), true, "the defaults stay");
});
