import { assertEquals } from "../support/assert.ts";
import { usingServer } from "./_server.ts";

const BASE = "alpha\nbeta\ngamma\n";

async function withBase() {
  const s = await usingServer();
  const created = await s.write("/docs/clash.md", BASE);
  return { s, baseRevision: created.json.results[0].revision as string };
}

const merge = (content: string, baseRevision: string, extra: Record<string, unknown> = {}) => ({
  body: {
    strategy: "three-way-lines-v1",
    baseContent: BASE,
    baseRevision,
    content,
    contentType: "text/markdown",
    ...extra,
  },
});

Deno.test("fs/merge writes the merge of edits to different lines and answers with the new revision", async () => {
  const { s, baseRevision } = await withBase();
  await using _ = s;
  const theirs = await s.write("/docs/clash.md", "alpha\nbeta\ngamma REMOTE\n");
  const response = await s.api(
    "POST",
    "fs/merge?path=/docs/clash.md",
    merge("alpha LOCAL\nbeta\ngamma\n", baseRevision),
  );
  assertEquals(response.status, 200, response.text);
  assertEquals(response.json.strategy, "three-way-lines-v1");
  assertEquals(response.json.baseRevision, baseRevision);
  assertEquals(response.json.mergedAgainstRevision, theirs.json.results[0].revision);
  assertEquals(await s.read("/docs/clash.md"), "alpha LOCAL\nbeta\ngamma REMOTE\n");
  const file = await s.api("GET", "fs/file?path=/docs/clash.md");
  assertEquals(file.json.revision, response.json.targetRevision);
});

Deno.test("fs/merge answers 409 merge_conflict with the ranges both changed, and writes nothing", async () => {
  const { s, baseRevision } = await withBase();
  await using _ = s;
  const theirs = await s.write("/docs/clash.md", "alpha\nbeta REMOTE\ngamma\n");
  const response = await s.api(
    "POST",
    "fs/merge?path=/docs/clash.md",
    merge("alpha\nbeta LOCAL\ngamma\n", baseRevision),
  );
  assertEquals(response.status, 409);
  assertEquals(response.json.code, "merge_conflict");
  assertEquals(response.json.currentRevision, theirs.json.results[0].revision);
  assertEquals(response.json.conflicts, [{
    unit: "base lines 2-2",
    reason: "concurrently changed",
    base: "beta\n",
    mine: "beta LOCAL\n",
    theirs: "beta REMOTE\n",
  }]);
  assertEquals(await s.read("/docs/clash.md"), "alpha\nbeta REMOTE\ngamma\n");
});

Deno.test("fs/merge refuses what a line merge cannot take with 422 merge_ineligible", async () => {
  const { s, baseRevision } = await withBase();
  await using _ = s;
  const other = await s.api("POST", "fs/merge?path=/docs/clash.md", merge("x\n", baseRevision, { strategy: "ast" }));
  assertEquals([other.status, other.json.code], [422, "merge_ineligible"]);
  const gone = await s.api("POST", "fs/merge?path=/docs/none.md", merge("x\n", baseRevision));
  assertEquals([gone.status, gone.json.reason], [422, "live file no longer exists"]);
  const big = await s.api("POST", "fs/merge?path=/docs/clash.md", merge("x".repeat(600 * 1024), baseRevision));
  assertEquals([big.status, big.json.reason], [422, "content exceeds merge size limit"]);
});

Deno.test("fs/merge repeated with the same content identity answers the first merge, without merging again", async () => {
  const { s, baseRevision } = await withBase();
  await using _ = s;
  await s.write("/docs/clash.md", "alpha\nbeta\ngamma REMOTE\n");
  const identity = { contentIdentity: { kind: "mount-rollout-merge", key: "k1" } };
  const first = await s.api(
    "POST",
    "fs/merge?path=/docs/clash.md",
    merge("alpha L\nbeta\ngamma\n", baseRevision, identity),
  );
  const again = await s.api(
    "POST",
    "fs/merge?path=/docs/clash.md",
    merge("alpha L\nbeta\ngamma\n", baseRevision, identity),
  );
  assertEquals([first.status, again.status], [200, 200]);
  assertEquals(again.json, first.json);
});
