import { join } from "node:path";
import { pruneBlobs } from "../../src/relay/blob_gc.ts";
import { writeDeadLetter } from "../../src/relay/dead_letter.ts";
import { writeOp } from "../../src/relay/outbox.ts";
import type { DeadLetterRecord } from "../../src/relay/records.ts";
import type { WritebackOp } from "../../src/writeback/op.ts";
import { assertEquals } from "../support/assert.ts";
import { usingTempDir } from "../support/temp_dir.ts";

const HOUR = 3_600_000;
const hash = (letter: string) => letter.repeat(64);

const op: WritebackOp = {
  schemaVersion: 1,
  opId: "op_1",
  path: "/big.txt",
  kind: "update",
  state: "pending",
  contentHash: hash("a"),
  baseRevision: "rev_1",
  attempts: 0,
  createdAt: "2026-11-24T10:00:00.000Z",
  updatedAt: "2026-11-24T10:00:00.000Z",
  history: [],
};

const deadLetter: DeadLetterRecord = {
  opId: "op_2",
  path: "/huge.txt",
  attempts: 1,
  lastStatus: 413,
  lastBody: '{"code":"payload_too_large"}',
  ts: "2026-11-24T10:00:00.000Z",
  schemaVersion: 1,
  kind: "create",
  baseRevision: null,
  contentHash: hash("b"),
  classification: "invalid_payload",
  nextAction: "fix-payload",
  createdAt: "2026-11-24T10:00:00.000Z",
  history: [],
};

/** Blobs named by letter, made `ageMs` ago. */
async function blobs(mountDir: string, ages: Record<string, number>, now: number): Promise<void> {
  const folder = join(mountDir, ".relay", "blobs");
  await Deno.mkdir(folder, { recursive: true });
  for (const [letter, ageMs] of Object.entries(ages)) {
    const file = join(folder, hash(letter));
    await Deno.writeTextFile(file, letter);
    await Deno.utime(file, new Date(now - ageMs), new Date(now - ageMs));
  }
}

async function left(mountDir: string): Promise<string[]> {
  const names = await Array.fromAsync(Deno.readDir(join(mountDir, ".relay", "blobs")), (entry) => entry.name[0]!);
  return names.sort();
}

Deno.test("pruneBlobs() removes the old blobs no op, dead letter or caller names, and keeps a young one", async () => {
  await using mount = await usingTempDir();
  const now = Date.now();
  await writeOp(mount.path, op);
  await writeDeadLetter(mount.path, deadLetter);
  await blobs(mount.path, { a: HOUR, b: HOUR, c: HOUR, d: HOUR, e: 60_000 }, now);
  const removed = await pruneBlobs(mount.path, { keep: [hash("d")], now, graceMs: 10 * 60_000 });
  assertEquals(removed, 1);
  assertEquals(await left(mount.path), ["a", "b", "d", "e"]);
});

Deno.test("pruneBlobs() removes nothing while a record cannot be read: it may name any blob", async () => {
  await using mount = await usingTempDir();
  const now = Date.now();
  await blobs(mount.path, { c: HOUR }, now);
  await Deno.mkdir(join(mount.path, ".relay", "outbox"));
  await Deno.writeTextFile(join(mount.path, ".relay", "outbox", "op_3.json"), "{ not json");
  assertEquals(await pruneBlobs(mount.path, { now, graceMs: 10 * 60_000 }), 0);
  assertEquals(await left(mount.path), ["c"]);
});
