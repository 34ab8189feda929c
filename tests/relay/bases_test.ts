import { join } from "node:path";
import { BaseStore, pruneBases, readBase } from "../../src/relay/bases.ts";
import { sha256Hex } from "../../src/relay/blobs.ts";
import { assertEquals } from "../support/assert.ts";
import { usingTempDir } from "../support/temp_dir.ts";

const text = (value: string) => new TextEncoder().encode(value);

Deno.test("a kept base is read from memory until written, and from disk once the store has settled", async () => {
  await using mount = await usingTempDir();
  const store = new BaseStore(mount.path);
  const bytes = text("line one\nline two\n");
  const hash = await sha256Hex(bytes);
  store.keep(hash, bytes);
  assertEquals(await readBase(mount.path, hash), undefined, "not written before flush");
  assertEquals(await store.read(hash), bytes);
  store.flush();
  await store.settled();
  assertEquals(await readBase(mount.path, hash), bytes);
  assertEquals(await new BaseStore(mount.path).read(hash), bytes, "a new store (a restart) reads it from disk");
});

Deno.test("bases kept while others are being written are written too", async () => {
  await using mount = await usingTempDir();
  const store = new BaseStore(mount.path);
  const hashes: string[] = [];
  for (let i = 0; i < 50; i++) {
    const bytes = text(`file ${i}\n`);
    hashes.push(await sha256Hex(bytes));
    store.keep(hashes.at(-1)!, bytes);
    if (i % 10 === 0) store.flush();
  }
  await store.settled();
  const onDisk = await Array.fromAsync(Deno.readDir(join(mount.path, ".relay", "bases")), (entry) => entry.name);
  assertEquals(onDisk.sort(), [...hashes].sort());
  assertEquals(await pruneBases(mount.path, new Set(hashes.slice(0, 10))), 40);
});

Deno.test("binary content and content too large to merge are not kept", async () => {
  await using mount = await usingTempDir();
  const store = new BaseStore(mount.path);
  const binary = new Uint8Array([1, 0, 2]);
  store.keep(await sha256Hex(binary), binary);
  assertEquals(await store.read(await sha256Hex(binary)), undefined);
});
