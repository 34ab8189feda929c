import { join } from "node:path";
import { sha256Hex } from "../../src/relay/blobs.ts";
import { writeOp } from "../../src/relay/outbox.ts";
import { assertEquals, assertIncludes } from "../support/assert.ts";
import { parseJson, relayfileCommand, runRelayfile } from "../support/cli.ts";
import { usingTempDir } from "../support/temp_dir.ts";
import { usingServer, WORKSPACE } from "../server/_server.ts";
import { fixtureHome } from "./_mount.ts";

Deno.test("status --wait times out with exit 4 when nothing drains the outbox", async () => {
  await using m = await fixtureHome("relayfile");
  const result = await runRelayfile(["writeback", "status", "--dir", m.mount, "--wait", "300ms"], { env: m.env });
  assertEquals(result.code, 4);
  assertIncludes(result.stdout, "pending: 3");
  assertIncludes(result.stderr, "error: still 3 queued after waiting 0s");
  assertIncludes(result.stderr, "hint: is relayfile mount running for this folder?");
});

Deno.test("status --wait answers at once when nothing is queued, with the usual exit code", async () => {
  await using m = await fixtureHome("go-seed");
  const result = await runRelayfile(["writeback", "status", "--dir", m.mount, "--wait"], { env: m.env });
  assertEquals(result.code, 1, "drained, but dead letters are there");
});

Deno.test("status --wait returns 0 once a running mount has sent what was queued", async () => {
  await using server = await usingServer();
  await using home = await usingTempDir();
  const dir = join(home.path, "work");
  await Deno.mkdir(dir);
  await Deno.writeTextFile(join(dir, "queued.md"), "left in the outbox\n");
  await writeOp(dir, {
    schemaVersion: 1,
    opId: "op_left_behind",
    path: "/queued.md",
    kind: "create",
    state: "pending",
    contentHash: await sha256Hex(new TextEncoder().encode("left in the outbox\n")),
    baseRevision: null,
    attempts: 0,
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    payload: { content: "left in the outbox\n", encoding: "" },
    history: [],
  });
  const mount = relayfileCommand(
    ["mount", dir, "--server", server.server.url, "--token", server.token, "--workspace", WORKSPACE],
    { env: { HOME: home.path }, stdout: "null", stderr: "null" },
  ).spawn();
  try {
    const waited = await runRelayfile(["writeback", "status", "--dir", dir, "--wait", "30s", "--json"], {
      env: { HOME: home.path },
    });
    assertEquals(waited.code, 0, waited.stderr);
    assertEquals(parseJson(waited.stdout).pending, 0);
    assertEquals(await server.read("/queued.md"), "left in the outbox\n");
  } finally {
    mount.kill("SIGTERM");
    await mount.status;
  }
});

Deno.test("status --wait WORKSPACE reads the word after --wait as the workspace, not as a limit", async () => {
  await using m = await fixtureHome("go-seed");
  await m.register("ws_x");
  const result = await runRelayfile(["writeback", "status", "--wait", "ws_x", "--json"], { env: m.env });
  assertEquals(result.code, 1, result.stderr);
  assertEquals(parseJson(result.stdout).localDir, m.mount);
  const limited = await runRelayfile(["writeback", "status", "--wait", "5s", "ws_x"], { env: m.env });
  assertEquals(limited.code, 1, limited.stderr);
});
