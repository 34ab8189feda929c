import { join } from "node:path";
import { putBlob, readBlob, sha256Hex } from "../../src/relay/blobs.ts";
import { discardDeadLetter } from "../../src/relay/discard.ts";
import { readDeadLetters } from "../../src/relay/dead_letter.ts";
import { readOutbox } from "../../src/relay/outbox.ts";
import { retryDeadLetter, type RetryPayloadSource } from "../../src/inspect/retry.ts";
import { loadWritebackSnapshot } from "../../src/inspect/snapshot.ts";
import { InvalidRecordError, PreconditionError } from "../../src/lib/errors.ts";
import { assertEquals, assertOk, assertRejects } from "../support/assert.ts";
import { copyFixture, exists, usingTempDir } from "../support/temp_dir.ts";

const NOW = new Date("2026-11-24T12:00:00.000Z");
const STORED_HASH = "8aceb4ad9fbf42da93c1ffa664e11be80849164207288313e37c5979956b634c";

async function fixtureMount(name: string) {
  const dir = await usingTempDir();
  await copyFixture(name, dir.path);
  const snapshot = await loadWritebackSnapshot(dir.path);
  const context = (from: RetryPayloadSource = "stored", dryRun = false) => ({
    mountDir: dir.path,
    remoteRoot: snapshot.state?.remoteRoot ?? "/",
    now: NOW,
    from,
    dryRun,
    files: snapshot.state?.files ?? {},
  });
  return { dir, snapshot, context, [Symbol.asyncDispose]: () => dir[Symbol.asyncDispose]() };
}

Deno.test("retryDeadLetter() moves our op back to the outbox with a fresh budget and the stored payload", async () => {
  await using mount = await fixtureMount("relayfile");
  const entry = mount.snapshot.deadLettered[0]!;
  const outcome = await retryDeadLetter(entry, mount.context());
  assertEquals(outcome.notes, []);
  const op = (await readOutbox(mount.dir.path)).ops.find((candidate) => candidate.opId === "op_d1");
  assertOk(op);
  assertEquals([op.state, op.attempts, op.contentHash, op.baseRevision, op.kind], [
    "pending",
    0,
    STORED_HASH,
    "rev_7",
    "update",
  ]);
  assertEquals(op.history.length, 1, "the history of the failed attempts is kept");
  const blob = await readBlob(mount.dir.path, STORED_HASH);
  assertEquals(op.payloadBytes, Math.ceil(blob!.length / 3) * 4, "batches size the op by its blob");
  assertEquals(await exists(entry.files[0]!), false);
});

Deno.test("retryDeadLetter() with --from current sends the local file and says that it differs", async () => {
  await using mount = await fixtureMount("relayfile");
  const outcome = await retryDeadLetter(mount.snapshot.deadLettered[0]!, mount.context("current"));
  const local = await Deno.readFile(join(mount.dir.path, "reports/q3.md"));
  assertEquals(outcome.ops[0]?.contentHash, await sha256Hex(local));
  assertEquals(outcome.ops[0]?.payloadBytes, Math.ceil(local.length / 3) * 4);
  assertEquals(outcome.notes.length, 1);
  assertOk(outcome.notes[0]!.includes("differs from the payload that failed"));
  assertEquals(await readBlob(mount.dir.path, await sha256Hex(local)), local);
});

Deno.test("retryDeadLetter() on a dry run changes nothing", async () => {
  await using mount = await fixtureMount("relayfile");
  const entry = mount.snapshot.deadLettered[0]!;
  const outcome = await retryDeadLetter(entry, mount.context("stored", true));
  assertEquals(outcome.ops.length, 1);
  assertEquals(await exists(entry.files[0]!), true);
  assertEquals((await readOutbox(mount.dir.path)).ops.some((op) => op.opId === "op_d1"), false);
});

Deno.test("retryDeadLetter() refuses when the stored payload is gone, and keeps the record", async () => {
  await using mount = await fixtureMount("relayfile");
  await Deno.remove(join(mount.dir.path, ".relay/blobs", STORED_HASH));
  const entry = mount.snapshot.deadLettered[0]!;
  await assertRejects(() => retryDeadLetter(entry, mount.context()), PreconditionError, "missing from .relay/blobs");
  assertEquals(await exists(entry.files[0]!), true);
});

Deno.test("retryDeadLetter() re-sends each path of a Go bulk record from the local files under its remote root", async () => {
  await using mount = await fixtureMount("go-seed");
  const entry = mount.snapshot.deadLettered.find((candidate) => candidate.paths.length === 2)!;
  const outcome = await retryDeadLetter(entry, mount.context());
  assertEquals(outcome.ops.map((op) => [op.opId, op.path, op.kind]), [
    ["op_failed_mount_1746470494123456789-1", "/notion/a.md", "create"],
    ["op_failed_mount_1746470494123456789-2", "/notion/b.md", "create"],
  ]);
  assertEquals(outcome.ops[0]?.contentHash, await sha256Hex(new TextEncoder().encode("alpha\n")));
  assertEquals((await readOutbox(mount.dir.path)).ops.length, 2);
  assertEquals((await readDeadLetters(mount.dir.path)).entries.length, 1);
});

Deno.test("retryDeadLetter() fails for a Go record whose local file is gone, keeping the record", async () => {
  await using mount = await fixtureMount("go-seed");
  await Deno.remove(join(mount.dir.path, "Bad.md"));
  const entry = mount.snapshot.deadLettered.find((candidate) => candidate.opId === "op_deadletter_400")!;
  await assertRejects(() => retryDeadLetter(entry, mount.context()), PreconditionError, "does not exist");
  assertEquals(await exists(entry.files[0]!), true);
});

Deno.test("retryDeadLetter() will not drive the Go mount's outbox", async () => {
  await using mount = await fixtureMount("go-outbox");
  await assertRejects(
    () => retryDeadLetter(mount.snapshot.deadLettered[0]!, mount.context()),
    PreconditionError,
    "Go mount's outbox",
  );
});

Deno.test("retryDeadLetter() refuses a symlink that points out of the mount", async () => {
  await using mount = await fixtureMount("go-seed");
  await using outside = await usingTempDir();
  await Deno.writeTextFile(join(outside.path, "secret"), "do not send");
  await Deno.remove(join(mount.dir.path, "Bad.md"));
  await Deno.symlink(join(outside.path, "secret"), join(mount.dir.path, "Bad.md"));
  const entry = mount.snapshot.deadLettered.find((candidate) => candidate.opId === "op_deadletter_400")!;
  await assertRejects(() => retryDeadLetter(entry, mount.context()), PreconditionError, "symlink");
});

Deno.test("a snapshot taken between writing the outbox op and removing the dead letter counts the op once", async () => {
  await using mount = await fixtureMount("relayfile");
  const entry = mount.snapshot.deadLettered[0]!;
  await retryDeadLetter(entry, mount.context());
  await Deno.writeTextFile(entry.files[0]!, JSON.stringify(entry.record, null, 2));
  const snapshot = await loadWritebackSnapshot(mount.dir.path);
  assertEquals(snapshot.deadLettered.length, 0);
  assertEquals(snapshot.queued.filter((op) => op.opId === "op_d1").length, 1);
});

Deno.test("discardDeadLetter() logs the whole record to discarded.log, then removes every file of the op", async () => {
  await using mount = await fixtureMount("go-ops-mirror");
  const entry = mount.snapshot.deadLettered.find((candidate) => candidate.opId === "op_deadletter_403")!;
  await discardDeadLetter(mount.dir.path, entry, NOW);
  for (const file of entry.files) assertEquals(await exists(file), false);
  const lines = (await Deno.readTextFile(join(mount.dir.path, ".relay/discarded.log"))).trim().split("\n");
  assertEquals(lines.length, 1);
  const logged = JSON.parse(lines[0]!);
  assertEquals([logged.discardedAt, logged.opId, logged.lastStatus, logged.source], [
    NOW.toISOString(),
    "op_deadletter_403",
    403,
    "go-dead-letter",
  ]);
});

Deno.test("putBlob() stores content once under its hash and readBlob() detects a damaged blob", async () => {
  await using mount = await usingTempDir();
  const bytes = new Uint8Array([0, 255, 1, 2]);
  const hash = await putBlob(mount.path, bytes);
  assertEquals(await putBlob(mount.path, bytes), hash);
  assertEquals(await readBlob(mount.path, hash), bytes);
  assertEquals(await readBlob(mount.path, "f".repeat(64)), undefined);
  await Deno.writeFile(join(mount.path, ".relay/blobs", hash), new Uint8Array([9]));
  await assertRejects(() => readBlob(mount.path, hash), InvalidRecordError, "does not match its hash");
});
