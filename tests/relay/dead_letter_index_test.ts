import { join } from "node:path";
import { readDeadLetters, writeDeadLetter } from "../../src/relay/dead_letter.ts";
import { DeadLetterBook } from "../../src/writeback/dead_letter_book.ts";
import { keepDeadLetterIndexFresh, readDeadLettersCached } from "../../src/relay/dead_letter_index.ts";
import { assertEquals, assertNotEquals } from "../support/assert.ts";
import { usingTempDir } from "../support/temp_dir.ts";

async function writeGoRecord(mountDir: string, opId: string, path: string): Promise<void> {
  const record = { opId, path, attempts: 2, lastStatus: 503, lastBody: "", ts: "2026-11-24T00:00:00Z" };
  await Deno.writeTextFile(join(mountDir, ".relay", "dead-letter", `${opId}.json`), JSON.stringify(record));
}

/** A minute from now: long enough after any change for the folder to be cached. */
const later = () => Date.now() + 60_000;

Deno.test("the dead-letter index answers like the folder, and is rebuilt as soon as the folder changes", async () => {
  await using mount = await usingTempDir();
  await Deno.mkdir(join(mount.path, ".relay", "dead-letter"), { recursive: true });
  await writeGoRecord(mount.path, "op_1", "/a.md");
  const first = await readDeadLettersCached(mount.path, later());
  assertEquals(first, await readDeadLetters(mount.path));
  assertEquals((await Deno.stat(join(mount.path, ".relay", "dead-letter.index"))).isFile, true);
  assertEquals(await readDeadLettersCached(mount.path, later()), first, "answered from the index");

  await writeGoRecord(mount.path, "op_2", "/b.md");
  const after = await readDeadLettersCached(mount.path, later());
  assertEquals(after.entries.map((entry) => entry.opId), ["op_1", "op_2"]);
});

Deno.test("a record copied in by a tool that puts the folder's mtime back is seen", async () => {
  await using mount = await usingTempDir();
  const folder = join(mount.path, ".relay", "dead-letter");
  await Deno.mkdir(folder, { recursive: true });
  await writeGoRecord(mount.path, "op_1", "/a.md");
  const past = new Date(Date.now() - 60_000);
  await Deno.utime(folder, past, past);
  await readDeadLettersCached(mount.path, later());
  const indexFile = join(mount.path, ".relay", "dead-letter.index");
  assertEquals((await Deno.stat(indexFile)).isFile, true);

  // A copy made later than the index (the ctime counts whole seconds; the index waits for them to pass).
  await new Promise((resolve) => setTimeout(resolve, 1_010 - Date.now() % 1_000));
  await writeGoRecord(mount.path, "op_2", "/b.md");
  await Deno.utime(folder, past, past);
  const after = await readDeadLettersCached(mount.path, later());
  assertEquals(after.entries.map((entry) => entry.opId), ["op_1", "op_2"]);
});

Deno.test("a folder changed within the last second is read, not cached", async () => {
  await using mount = await usingTempDir();
  await Deno.mkdir(join(mount.path, ".relay", "dead-letter"), { recursive: true });
  await writeGoRecord(mount.path, "op_1", "/a.md");
  await readDeadLettersCached(mount.path);
  const cached = await Deno.stat(join(mount.path, ".relay", "dead-letter.index")).then(() => true, () => false);
  assertEquals(cached, false);
});

Deno.test("the running mount leaves the index ready once the folder is still, and then only stats it", async () => {
  await using mount = await usingTempDir();
  await Deno.mkdir(join(mount.path, ".relay", "dead-letter"), { recursive: true });
  await writeGoRecord(mount.path, "op_1", "/a.md");
  const indexFile = join(mount.path, ".relay", "dead-letter.index");
  assertEquals(await keepDeadLetterIndexFresh(mount.path, undefined), undefined, "just changed: not yet");
  assertEquals(await Deno.stat(indexFile).then(() => true, () => false), false);

  const stamp = await keepDeadLetterIndexFresh(mount.path, undefined, later());
  const built = (await Deno.stat(indexFile)).mtime;
  assertEquals(typeof stamp, "string");
  assertEquals(await keepDeadLetterIndexFresh(mount.path, stamp, later()), stamp);
  assertEquals((await Deno.stat(indexFile)).mtime, built, "unchanged folder: the index is not rewritten");

  await new Promise((resolve) => setTimeout(resolve, 1_010 - Date.now() % 1_000));
  await writeGoRecord(mount.path, "op_2", "/b.md");
  const next = await keepDeadLetterIndexFresh(mount.path, stamp, later());
  assertNotEquals(next, stamp);
  const index = JSON.parse(await Deno.readTextFile(indexFile)) as { letters: { entries: { opId: string }[] } };
  assertEquals(index.letters.entries.map((entry) => entry.opId), ["op_1", "op_2"]);
});

Deno.test("a mount opens its dead letters through the index when it is current: one file, not ten thousand", async () => {
  await using mount = await usingTempDir();
  const record = (i: number) => ({
    opId: `op_${i}`,
    path: `/docs/${i}.md`,
    attempts: 8,
    lastStatus: 503,
    lastBody: "",
    ts: "2026-11-24T10:00:00.000Z",
    schemaVersion: 1 as const,
    kind: "update" as const,
    baseRevision: "rev_3",
    contentHash: "a".repeat(64),
    classification: "transient" as const,
    nextAction: "retry" as const,
    createdAt: "2026-11-24T09:00:00.000Z",
    history: [],
  });
  for (let i = 0; i < 3; i++) await writeDeadLetter(mount.path, record(i));
  await readDeadLettersCached(mount.path, later()); // the index, as a running mount leaves it
  // Edited in place (the folder's stamp does not move): only a book that read the index still sees the old hash.
  const file = join(mount.path, ".relay", "dead-letter", "op_0.json");
  await Deno.writeTextFile(file, (await Deno.readTextFile(file)).replace("a".repeat(64), "b".repeat(64)));
  const book = new DeadLetterBook(mount.path, { now: Date.now, log: () => {} });
  await book.load();
  assertEquals(book.count, 3);
  assertEquals(book.isDeadLettered("/docs/0.md", "a".repeat(64)), true);
});
