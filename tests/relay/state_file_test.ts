import { join } from "node:path";
import { readPublicState, toPublicState } from "../../src/relay/state_file.ts";
import { assertEquals, assertOk } from "../support/assert.ts";
import { copyFixture, usingTempDir } from "../support/temp_dir.ts";

Deno.test("toPublicState() reads the Go syncer's format with its per-file statuses", () => {
  const state = toPublicState({
    workspaceId: "ws",
    remoteRoot: "/notion",
    pendingWriteback: 1,
    files: { "/notion/a.md": { revision: "rev_1", status: "ready" }, "/notion/b.md": "junk" },
  });
  assertEquals(state.remoteRoot, "/notion");
  assertEquals(state.files, { "/notion/a.md": { revision: "rev_1", status: "ready" } });
  assertEquals(state.failedWritebacks, 0, "an absent counter is 0");
});

Deno.test("toPublicState() reads provider errors from the Go CLI snapshot format", async () => {
  await using mount = await usingTempDir();
  await copyFixture("go-cli-snapshot", mount.path);
  const read = await readPublicState(mount.path);
  assertOk("state" in read && read.state);
  assertEquals(read.state.lastErrorByProvider, { notion: "notion API returned 502" });
  assertEquals(read.state.remoteRoot, undefined);
  assertEquals([read.state.pendingWriteback, read.state.failedWritebacks], [2, 3]);
});

Deno.test("toPublicState() treats a counter that is not a positive number as 0, like the Go writers", () => {
  assertEquals(toPublicState({ failedWritebacks: "many" }).failedWritebacks, 0);
  assertEquals(toPublicState({ failedWritebacks: -4 }).failedWritebacks, 0);
  assertEquals(toPublicState({ failedWritebacks: 7 }).failedWritebacks, 7);
});

Deno.test("readPublicState() is null without a file and a problem for a broken one", async () => {
  await using mount = await usingTempDir();
  assertEquals(await readPublicState(mount.path), { state: null });
  await Deno.mkdir(join(mount.path, ".relay"));
  await Deno.writeTextFile(join(mount.path, ".relay/state.json"), "[1,2]");
  const read = await readPublicState(mount.path);
  assertOk("problem" in read);
  assertEquals(read.problem.message, "invalid writeback state: not a JSON object");
});
