import { dirname, join } from "node:path";
import { assertEquals } from "../support/assert.ts";
import { usingTempDir } from "../support/temp_dir.ts";
import { VERSION } from "../../src/lib/version.ts";

Deno.test("deno task install puts a relayfile on PATH that runs from any folder with the binary's permissions", async () => {
  await using bin = await usingTempDir();
  await using elsewhere = await usingTempDir();
  const root = new URL("../..", import.meta.url).pathname;
  const install = await new Deno.Command(Deno.execPath(), {
    args: ["task", "install"],
    cwd: root,
    env: { RELAYFILE_INSTALL: bin.path },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(install.code, 0, new TextDecoder().decode(install.stderr));
  const launcher = await Deno.readTextFile(join(bin.path, "relayfile"));
  assertEquals(launcher.includes("--allow-env=HOME,"), true, "the compile task's flags");
  const run = await new Deno.Command(join(bin.path, "relayfile"), {
    args: ["--version"],
    cwd: elsewhere.path,
    env: { PATH: `${dirname(Deno.execPath())}:/usr/bin:/bin`, HOME: elsewhere.path },
    stdout: "piped",
  }).output();
  assertEquals([run.code, new TextDecoder().decode(run.stdout).trim()], [0, VERSION]);
});
