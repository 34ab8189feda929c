/** `relayfile upgrade` against a local server standing in for the releases page, on a copied stand-in binary. */
import { join } from "node:path";
import { assertEquals, assertIncludes } from "../support/assert.ts";
import { runRelayfile } from "../support/cli.ts";
import { assetForThisMachine, sha256, startFakeReleases } from "../support/fake_releases.ts";
import { usingTempDir } from "../support/temp_dir.ts";
import { VERSION } from "../../src/lib/version.ts";

const OLD = "#!/bin/sh\necho 0.0.1\n";
const NEW = "#!/bin/sh\necho 9.9.9\n";

async function standIn(dir: string): Promise<string> {
  const file = join(dir, "relayfile");
  await Deno.writeTextFile(file, OLD, { mode: 0o755 });
  return file;
}

Deno.test("upgrade replaces the binary with the latest release's, checked against SHA256SUMS", async () => {
  await using releases = startFakeReleases({ tag: "v9.9.9", assets: { [assetForThisMachine()]: NEW } });
  await using dir = await usingTempDir();
  const binary = await standIn(dir.path);
  const result = await runRelayfile(["upgrade", "--executable", binary], {
    env: { RELAYFILE_RELEASES_URL: releases.url, HOME: dir.path },
  });
  assertEquals(result.code, 0, result.stderr);
  assertIncludes(result.stdout, `upgraded ${binary} to v9.9.9 (sha256 ${sha256(NEW)})`);
  assertEquals(await Deno.readTextFile(binary), NEW);
  assertEquals((await Deno.stat(binary)).mode! & 0o777, 0o755);
  assertEquals((await Array.fromAsync(Deno.readDir(dir.path))).length, 1, "no temp file left beside it");
});

Deno.test("upgrade refuses a download whose checksum does not match, leaving the old binary in place", async () => {
  const asset = assetForThisMachine();
  await using releases = startFakeReleases({
    tag: "v9.9.9",
    assets: { [asset]: NEW },
    sums: { [asset]: "f".repeat(64) },
  });
  await using dir = await usingTempDir();
  const binary = await standIn(dir.path);
  const result = await runRelayfile(["upgrade", "--executable", binary, "--version", "9.9.9"], {
    env: { RELAYFILE_RELEASES_URL: releases.url, HOME: dir.path },
  });
  assertEquals(result.code, 3);
  assertIncludes(result.stderr, "does not match SHA256SUMS");
  assertEquals(await Deno.readTextFile(binary), OLD);
});

Deno.test("upgrade of itself: from source it says so and changes nothing; a compiled binary already at the latest says so", async () => {
  await using releases = startFakeReleases({ tag: `v${VERSION}`, assets: { [assetForThisMachine()]: NEW } });
  const result = await runRelayfile(["upgrade"], { env: { RELAYFILE_RELEASES_URL: releases.url } });
  assertEquals(result.code, 0, result.stderr);
  if (Deno.env.get("RELAYFILE_BIN")) assertIncludes(result.stdout, `already up to date (${VERSION})`);
  else assertIncludes(result.stdout, "runs from source");
});
