import { join } from "node:path";
import type { WritebackOp } from "../../src/writeback/op.ts";
import { readOutbox, removeOp, writeOp } from "../../src/relay/outbox.ts";
import { assertEquals, assertRejects } from "../support/assert.ts";
import { copyFixture, exists, usingTempDir } from "../support/temp_dir.ts";

const op: WritebackOp = {
  schemaVersion: 1,
  opId: "op_9",
  path: "/docs/a.md",
  kind: "create",
  state: "pending",
  contentHash: "b".repeat(64),
  baseRevision: null,
  attempts: 0,
  createdAt: "2026-11-24T10:00:00.000Z",
  updatedAt: "2026-11-24T10:00:00.000Z",
  history: [],
};

Deno.test("writeOp() persists an op that readOutbox() returns unchanged, and removeOp() deletes it", async () => {
  await using mount = await usingTempDir();
  await writeOp(mount.path, op);
  assertEquals(await readOutbox(mount.path), { ops: [op], problems: [] });
  await removeOp(mount.path, "op_9");
  assertEquals(await exists(join(mount.path, ".relay/outbox/op_9.json")), false);
  await removeOp(mount.path, "op_9");
});

Deno.test("writeOp() refuses an op id that would leave the outbox folder", async () => {
  await using mount = await usingTempDir();
  await assertRejects(() => writeOp(mount.path, { ...op, opId: "../escape" }), TypeError, "unsafe opId");
});

Deno.test("readOutbox() skips the Go mount's files and reports an op in an unknown state", async () => {
  await using goMount = await usingTempDir();
  await copyFixture("go-outbox", goMount.path);
  assertEquals(await readOutbox(goMount.path), { ops: [], problems: [] });

  await using bad = await usingTempDir();
  await copyFixture("malformed", bad.path);
  const { ops, problems } = await readOutbox(bad.path);
  assertEquals(ops, []);
  assertEquals(problems[0]?.message.startsWith("state:"), true);
});
