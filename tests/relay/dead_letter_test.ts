import { join } from "node:path";
import { readDeadLetter, readDeadLetters, writeDeadLetter } from "../../src/relay/dead_letter.ts";
import type { DeadLetterRecord } from "../../src/writeback/op.ts";
import { assertEquals, assertOk } from "../support/assert.ts";
import { copyFixture, usingTempDir } from "../support/temp_dir.ts";

const record: DeadLetterRecord = {
  opId: "op_1",
  path: "/docs/a.md",
  attempts: 8,
  lastStatus: 503,
  lastBody: '{"code":"unavailable","message":"try later"}',
  ts: "2026-11-24T10:00:00.000Z",
  schemaVersion: 1,
  kind: "update",
  baseRevision: "rev_3",
  contentHash: "a".repeat(64),
  classification: "transient",
  nextAction: "retry",
  createdAt: "2026-11-24T09:00:00.000Z",
  history: [{ at: "2026-11-24T10:00:00.000Z", status: 503, error: "try later" }],
};

Deno.test("writeDeadLetter() writes the Go seed fields first, then ours, and reads back the same record", async () => {
  await using mount = await usingTempDir();
  await writeDeadLetter(mount.path, record);
  const text = await Deno.readTextFile(join(mount.path, ".relay/dead-letter/op_1.json"));
  assertEquals(Object.keys(JSON.parse(text)).slice(0, 6), ["opId", "path", "attempts", "lastStatus", "lastBody", "ts"]);
  const { entries, problems } = await readDeadLetters(mount.path);
  assertEquals(problems, []);
  assertEquals(entries[0]?.record, record);
  assertEquals(entries[0]?.reason, "try later");
  assertEquals(entries[0]?.source, "relayfile");
});

Deno.test("readDeadLetters() reads the Go transport's seed records, splitting bulk paths", async () => {
  await using mount = await usingTempDir();
  await copyFixture("go-seed", mount.path);
  const { entries, problems } = await readDeadLetters(mount.path);
  assertEquals(problems, []);
  assertEquals(entries.map((entry) => [entry.opId, entry.lastStatus, entry.nextAction]), [
    ["op_deadletter_400", 400, "fix-payload"],
    ["op_failed_mount_1746470494123456789", 503, "retry"],
  ]);
  assertEquals(entries[1]?.paths, ["/notion/a.md", "/notion/b.md"]);
  assertEquals(entries[0]?.reason, "bad_writeback: known failure");
});

Deno.test("readDeadLetters() merges an .error.json sidecar into its record and does not list it", async () => {
  await using mount = await usingTempDir();
  await copyFixture("go-ops-mirror", mount.path);
  const { entries } = await readDeadLetters(mount.path);
  assertEquals(entries.map((entry) => entry.opId), ["op_deadletter_403", "op_srv_17"]);
  assertEquals(entries[0]?.files.length, 2);
  assertEquals(entries[0]?.classification, "forbidden");
  assertEquals(entries[1]?.ts, "2026-05-14T09:05:00Z", "ts falls back to lastAttemptedAt");
  assertEquals(entries[1]?.nextAction, "inspect", "a bare provider_4xx code says too little to act on");
});

Deno.test("readDeadLetters() reports malformed records by file and reason and keeps them", async () => {
  await using mount = await usingTempDir();
  await copyFixture("malformed", mount.path);
  const { entries, problems } = await readDeadLetters(mount.path);
  assertEquals(entries.map((entry) => entry.opId), ["op_ok"]);
  assertEquals(problems.map((problem) => problem.file.split("/").at(-1)), ["op_truncated.json", "op_wrong_types.json"]);
  assertOk(problems[1]?.message.includes("attempts"));
  assertOk((await Deno.stat(problems[0]!.file)).isFile);
});

Deno.test("readDeadLetters() rejects a record whose opId is not its file name", async () => {
  await using mount = await usingTempDir();
  await Deno.mkdir(join(mount.path, ".relay/dead-letter"), { recursive: true });
  await Deno.writeTextFile(join(mount.path, ".relay/dead-letter/op_x.json"), JSON.stringify({ opId: "op_y" }));
  const { problems } = await readDeadLetters(mount.path);
  assertEquals(problems[0]?.message, 'contains opId "op_y", expected "op_x"');
});

Deno.test("readDeadLetters() takes the file stem when a Go record has no opId", async () => {
  await using mount = await usingTempDir();
  await Deno.mkdir(join(mount.path, ".relay/dead-letter"), { recursive: true });
  await Deno.writeTextFile(join(mount.path, ".relay/dead-letter/op_stem.json"), JSON.stringify({ path: "/a" }));
  assertEquals((await readDeadLetters(mount.path)).entries[0]?.opId, "op_stem");
});

Deno.test("readDeadLetter() finds one record, or nothing when absent", async () => {
  await using mount = await usingTempDir();
  await copyFixture("go-ops-mirror", mount.path);
  const found = await readDeadLetter(mount.path, "op_deadletter_403");
  assertOk(found && "entry" in found);
  assertEquals(found.entry.files.length, 2);
  assertEquals(await readDeadLetter(mount.path, "op_nope"), undefined);
});

Deno.test("readDeadLetters() is empty for a mount without a dead-letter folder", async () => {
  await using mount = await usingTempDir();
  assertEquals(await readDeadLetters(mount.path), { entries: [], problems: [] });
});
