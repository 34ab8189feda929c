import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { BaseStore, readBase } from "../../src/relay/bases.ts";
import { sha256Hex } from "../../src/relay/blobs.ts";
import { assertEquals } from "../support/assert.ts";
import { usingTempDir } from "../support/temp_dir.ts";

const text = (value: string) => new TextEncoder().encode(value);
const databaseOf = (mountDir: string) => join(mountDir, ".relay", "bases.sqlite");

/** Keeps `value` in `store` as a base, as the mount does with a file it met; its bytes and hash. */
async function keepText(store: BaseStore, value: string): Promise<{ bytes: Uint8Array; hash: string }> {
  const bytes = text(value);
  const hash = await sha256Hex(bytes);
  store.keep(hash, bytes);
  return { bytes, hash };
}

Deno.test("a kept base is read from memory until flushed, and from the database after a restart", async () => {
  await using mount = await usingTempDir();
  const store = new BaseStore(mount.path);
  const { bytes, hash } = await keepText(store, "line one\nline two\n");
  assertEquals(await readBase(mount.path, hash), undefined, "not written before flush");
  assertEquals(await store.read(hash), bytes);
  store.flush();
  assertEquals(await readBase(mount.path, hash), bytes, "a command beside the running mount reads it");
  store.close();
  assertEquals(await readBase(mount.path, hash), bytes);
  const restarted = new BaseStore(mount.path);
  assertEquals(await restarted.read(hash), bytes, "a new store (a restart) reads it");
  restarted.close();
});

Deno.test("the bases of a thousand-file pull are one file, and prune keeps only what is in use", async () => {
  await using mount = await usingTempDir();
  const store = new BaseStore(mount.path);
  const hashes: string[] = [];
  for (let i = 0; i < 1_000; i++) {
    hashes.push((await keepText(store, `file ${i}\n`)).hash);
  }
  store.close();
  assertEquals(await Array.fromAsync(Deno.readDir(join(mount.path, ".relay")), (entry) => entry.name), [
    "bases.sqlite",
  ]);
  const restarted = new BaseStore(mount.path);
  assertEquals(await restarted.prune(new Set(hashes.slice(0, 10))), 990);
  assertEquals(await restarted.read(hashes[0]!), text("file 0\n"));
  assertEquals(await restarted.read(hashes[10]!), undefined);
  restarted.close();
});

Deno.test("binary content and content too large to merge are not kept", async () => {
  await using mount = await usingTempDir();
  const store = new BaseStore(mount.path);
  const binary = new Uint8Array([1, 0, 2]);
  const large = new Uint8Array(600 * 1024).fill(65);
  store.keep(await sha256Hex(binary), binary);
  store.keep(await sha256Hex(large), large);
  store.close();
  assertEquals(await readBase(mount.path, await sha256Hex(binary)), undefined);
  assertEquals(await readBase(mount.path, await sha256Hex(large)), undefined);
});

Deno.test("a base that is not what its hash says is a miss, not a wrong merge", async () => {
  await using mount = await usingTempDir();
  const store = new BaseStore(mount.path);
  const { hash } = await keepText(store, "the original\n");
  store.close();
  const database = new DatabaseSync(databaseOf(mount.path));
  database.prepare("UPDATE bases SET bytes = ? WHERE hash = ?").run(text("changed by hand\n"), hash);
  database.close();
  assertEquals(await readBase(mount.path, hash), undefined);
  const restarted = new BaseStore(mount.path);
  assertEquals(await restarted.read(hash), undefined);
  restarted.close();
});

Deno.test("a database a crash left unreadable is started afresh", async () => {
  await using mount = await usingTempDir();
  await Deno.mkdir(join(mount.path, ".relay"));
  await Deno.writeTextFile(databaseOf(mount.path), "not a database, torn by a crash ".repeat(200));
  const store = new BaseStore(mount.path);
  const { bytes, hash } = await keepText(store, "kept again\n");
  store.close();
  assertEquals(await readBase(mount.path, hash), bytes);
});

Deno.test("a database with torn pages neither stops the mount's start nor its later bases", async () => {
  await using mount = await usingTempDir();
  const store = new BaseStore(mount.path);
  const hashes: string[] = [];
  for (let i = 0; i < 200; i++) {
    hashes.push((await keepText(store, `line ${i}\n`.repeat(50))).hash);
  }
  store.close();
  const file = await Deno.readFile(databaseOf(mount.path));
  file.fill(0xee, 4096, file.length); // every page after the header page, as a torn write might leave them
  await Deno.writeFile(databaseOf(mount.path), file);
  const restarted = new BaseStore(mount.path);
  assertEquals(await restarted.prune(new Set(hashes)), 0);
  const { bytes, hash } = await keepText(restarted, "after the crash\n");
  restarted.close();
  assertEquals(await readBase(mount.path, hash), bytes);
});

Deno.test("a database another process holds busy is waited for, and never thrown away", async () => {
  await using mount = await usingTempDir();
  const store = new BaseStore(mount.path);
  const { bytes: kept, hash: keptHash } = await keepText(store, "kept before\n");
  store.flush();
  const other = new DatabaseSync(databaseOf(mount.path));
  other.exec("BEGIN EXCLUSIVE");
  await keepText(store, "kept while busy\n");
  store.flush(); // waits out the busy timeout, then leaves these bases unwritten
  other.exec("ROLLBACK");
  other.close();
  store.close();
  assertEquals(await readBase(mount.path, keptHash), kept);
});

Deno.test("a database that cannot be opened at all is said once, and the mount goes on without merge bases", async () => {
  await using mount = await usingTempDir();
  await Deno.mkdir(databaseOf(mount.path), { recursive: true }); // a folder where the database should be
  const said: string[] = [];
  const store = new BaseStore(mount.path, { onUnavailable: (reason) => said.push(reason) });
  assertEquals(await store.prune(new Set()), 0);
  const { hash } = await keepText(store, "no place to keep this\n");
  store.flush();
  assertEquals(await store.read(hash), undefined);
  store.close();
  assertEquals(said.length, 1);
});

Deno.test("the database is private to its owner, as everything under .relay/", async () => {
  if (Deno.build.os === "windows") return;
  await using mount = await usingTempDir();
  const store = new BaseStore(mount.path);
  await keepText(store, "a secret line\n");
  store.flush();
  for (const name of ["bases.sqlite", "bases.sqlite-wal", "bases.sqlite-shm"]) {
    assertEquals((await Deno.stat(join(mount.path, ".relay", name))).mode! & 0o777, 0o600, name);
  }
  store.close();
});

Deno.test("an earlier version's base files are read, and prune moves those in use into the database", async () => {
  await using mount = await usingTempDir();
  const folder = join(mount.path, ".relay", "bases");
  await Deno.mkdir(folder, { recursive: true });
  const inUse = text("still tracked\n");
  const stale = text("long gone\n");
  const [inUseHash, staleHash] = [await sha256Hex(inUse), await sha256Hex(stale)];
  await Deno.writeFile(join(folder, inUseHash), inUse);
  await Deno.writeFile(join(folder, staleHash), stale);
  assertEquals(await readBase(mount.path, inUseHash), inUse, "read as an earlier version left it");
  const store = new BaseStore(mount.path);
  assertEquals(await store.prune(new Set([inUseHash])), 1);
  store.close();
  assertEquals(await Deno.stat(folder).then(() => true, () => false), false, "the folder is gone");
  assertEquals(await readBase(mount.path, inUseHash), inUse);
  assertEquals(await readBase(mount.path, staleHash), undefined);
});

Deno.test("bases kept after .relay/ was removed under the mount are written to a new database, not to the removed one", async () => {
  await using mount = await usingTempDir();
  const store = new BaseStore(mount.path);
  await keepText(store, "before the removal\n");
  store.flush();
  await Deno.remove(join(mount.path, ".relay"), { recursive: true });
  const { bytes, hash } = await keepText(store, "after the removal\n");
  store.close();
  assertEquals(await readBase(mount.path, hash), bytes);
});

Deno.test("bases kept after the mount folder itself was removed are dropped: the folder is not made again", async () => {
  await using work = await usingTempDir();
  const mountDir = join(work.path, "m");
  await Deno.mkdir(mountDir);
  const store = new BaseStore(mountDir);
  await keepText(store, "before the removal\n");
  store.flush();
  await Deno.remove(mountDir, { recursive: true });
  await keepText(store, "after the removal\n");
  store.close();
  assertEquals(await Deno.stat(mountDir).then(() => true, () => false), false);
});
