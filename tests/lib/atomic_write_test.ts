import { join } from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "../../src/lib/atomic_write.ts";
import { assertEquals } from "../support/assert.ts";
import { usingTempDir } from "../support/temp_dir.ts";

Deno.test("writeJsonAtomic() creates folders, replaces the file and leaves no temp file behind", async () => {
  await using dir = await usingTempDir();
  const path = join(dir.path, "a/b/state.json");
  await writeJsonAtomic(path, { n: 1 });
  await writeJsonAtomic(path, { n: 2 });
  assertEquals(await Deno.readTextFile(path), '{\n  "n": 2\n}\n');
  assertEquals((await Array.fromAsync(Deno.readDir(join(dir.path, "a/b")))).map((entry) => entry.name), ["state.json"]);
});

Deno.test("writeFileAtomic() applies the requested mode", async () => {
  await using dir = await usingTempDir();
  const path = join(dir.path, "secret.json");
  await writeFileAtomic(path, "{}", { mode: 0o600 });
  assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
});
