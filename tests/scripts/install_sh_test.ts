import { join } from "node:path";
import { assertEquals, assertIncludes } from "../support/assert.ts";
import { assetForThisMachine, startFakeReleases } from "../support/fake_releases.ts";
import { usingTempDir } from "../support/temp_dir.ts";

const INSTALL_SH = new URL("../../install.sh", import.meta.url).pathname;
const STAND_IN = "#!/bin/sh\necho 9.9.9\n";

async function runInstall(releases: string, dir: string, args: string[] = []) {
  const output = await new Deno.Command("sh", {
    args: [INSTALL_SH, ...args],
    env: { RELAYFILE_RELEASES_URL: releases, RELAYFILE_INSTALL: dir, PATH: "/usr/bin:/bin", HOME: dir },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: text(output.stdout), stderr: text(output.stderr) };
}

Deno.test("install.sh installs this machine's asset of the latest release, checked against SHA256SUMS", async () => {
  await using releases = startFakeReleases({ tag: "v9.9.9", assets: { [assetForThisMachine()]: STAND_IN } });
  await using dir = await usingTempDir();
  const result = await runInstall(releases.url, join(dir.path, "bin"));
  assertEquals(result.code, 0, result.stderr);
  assertEquals(await Deno.readTextFile(join(dir.path, "bin", "relayfile")), STAND_IN);
  assertIncludes(result.stdout, "checksum ok");
  assertIncludes(result.stdout, `installed ${join(dir.path, "bin", "relayfile")} (9.9.9)`);
  assertIncludes(result.stdout, "is not on your PATH");
});

Deno.test("install.sh installs a pinned version from its tag", async () => {
  await using releases = startFakeReleases({ tag: "v1.2.3", assets: { [assetForThisMachine()]: STAND_IN } });
  await using dir = await usingTempDir();
  const result = await runInstall(releases.url, dir.path, ["--version", "1.2.3"]);
  assertEquals(result.code, 0, result.stderr);
  assertIncludes(releases.requests.join(" "), `/download/v1.2.3/${assetForThisMachine()}`);
});

Deno.test("install.sh refuses an asset whose checksum does not match, and installs nothing", async () => {
  const asset = assetForThisMachine();
  await using releases = startFakeReleases({
    tag: "v9.9.9",
    assets: { [asset]: STAND_IN },
    sums: { [asset]: "0".repeat(64) },
  });
  await using dir = await usingTempDir();
  const result = await runInstall(releases.url, join(dir.path, "bin"));
  assertEquals(result.code, 1);
  assertIncludes(result.stderr, "checksum mismatch");
  assertEquals(await Deno.stat(join(dir.path, "bin", "relayfile")).then(() => true, () => false), false);
});
