/** Where a retried op goes: to a running mount of the folder, or out at once from the retry command itself. */
import { join } from "node:path";
import { assertEquals, assertIncludes } from "../support/assert.ts";
import { relayfileCommand, runRelayfile } from "../support/cli.ts";
import { deadLetterNames } from "../support/dead_letters.ts";
import { startFaultProxy } from "../support/fault_proxy.ts";
import { usingTempDir } from "../support/temp_dir.ts";
import { waitFor } from "../support/wait.ts";
import { usingServer, WORKSPACE } from "../server/_server.ts";

/** A mounted folder with one dead-lettered file: made by a mount --once through a proxy that refused it with 422. */
async function folderWithDeadLetter() {
  const server = await usingServer();
  const proxy = startFaultProxy(server.server.url);
  const home = await usingTempDir();
  const dir = join(home.path, "work");
  await Deno.mkdir(dir);
  await Deno.writeTextFile(join(dir, "rejected.md"), "the server said no, then changed its mind\n");
  proxy.rules.push({
    route: "/fs/bulk",
    bodyIncludes: "rejected.md",
    fault: { status: 422, body: { code: "invalid" } },
  });
  const env = { HOME: home.path, RELAYFILE_TOKEN: server.token };
  const first = await runRelayfile(
    ["mount", dir, "--server", proxy.url, "--workspace", WORKSPACE, "--once", "--allow-non-empty"],
    { env },
  );
  assertEquals(first.code, 1, "the mount reports the dead letter");
  const list = await runRelayfile(["writeback", "list", "--json", "--state", "dead", "--dir", dir], { env });
  const opId = (JSON.parse(list.stdout).ops as { opId: string }[])[0]!.opId;
  return {
    server,
    proxy,
    dir,
    env,
    opId,
    onServer: () => server.read("/rejected.md"),
    [Symbol.asyncDispose]: async () => {
      await proxy[Symbol.asyncDispose]();
      await server[Symbol.asyncDispose]();
      await home[Symbol.asyncDispose]();
    },
  };
}

Deno.test("with no mount running, retry sends the op at once", async () => {
  await using f = await folderWithDeadLetter();
  f.proxy.rules.length = 0;
  const retry = await runRelayfile(["writeback", "retry", "--opId", f.opId, "--workspace", WORKSPACE], { env: f.env });
  assertEquals(retry.code, 0, retry.stderr);
  assertIncludes(retry.stdout, `Sent op ${f.opId}\n`);
  assertEquals(await f.onServer(), "the server said no, then changed its mind\n");
});

Deno.test("a retried op that fails again exits 1 and is dead-lettered again", async () => {
  await using f = await folderWithDeadLetter();
  const retry = await runRelayfile(["writeback", "retry", "--opId", f.opId, "--workspace", WORKSPACE], { env: f.env });
  assertEquals(retry.code, 1);
  assertIncludes(retry.stderr, `error: op ${f.opId} failed again`);
  const status = await runRelayfile(["writeback", "status", "--dir", f.dir], { env: f.env });
  assertEquals(status.code, 1);
});

Deno.test("with a mount running, retry hands the op over and the mount sends it", async () => {
  await using f = await folderWithDeadLetter();
  f.proxy.rules.length = 0;
  const mount = relayfileCommand(["mount", f.dir, "--server", f.proxy.url, "--workspace", WORKSPACE], {
    env: f.env,
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await waitFor(
      "the mount's heartbeat",
      async () => (await Deno.readTextFile(join(f.dir, ".relay/mount.lock")).catch(() => "")).includes("heartbeatAt"),
    );
    const retry = await runRelayfile(["writeback", "retry", "--opId", f.opId, "--dir", f.dir], { env: f.env });
    assertEquals(retry.code, 0, retry.stderr);
    assertIncludes(retry.stderr, "a relayfile mount is running for this folder");
    await waitFor(
      "the running mount to send it",
      async () => (await f.onServer()) === "the server said no, then changed its mind\n",
    );
  } finally {
    mount.kill("SIGTERM");
    await mount.status;
  }
});

Deno.test("retry of an op that the running mount itself dead-lettered is handed over and sent", async () => {
  const { startMount, mountReady } = await import("../mount/_mount.ts");
  await using server = await usingServer();
  await using proxy = startFaultProxy(server.server.url);
  await using home = await usingTempDir();
  const mount = startMount({ url: proxy.url, workspace: WORKSPACE, token: server.token, dir: join(home.path, "w") });
  try {
    await mountReady(mount);
    proxy.rules.push({
      route: "/fs/bulk",
      bodyIncludes: "again.md",
      fault: { status: 422, body: { code: "invalid" } },
    });
    await mount.write("again.md", "refused, then accepted\n");
    const deadLetters = join(mount.dir, ".relay/dead-letter");
    await waitFor("the dead letter", () => deadLetterNames(deadLetters).length === 1);
    const opId = deadLetterNames(deadLetters)[0]!.replace(/\.json$/, "");
    proxy.rules.length = 0;
    const retry = await runRelayfile(["writeback", "retry", "--opId", opId, "--dir", mount.dir]);
    assertEquals(retry.code, 0, retry.stderr);
    assertIncludes(retry.stderr, "a relayfile mount is running for this folder");
    await waitFor(
      "the running mount to send it",
      async () => (await server.read("/again.md")) === "refused, then accepted\n",
    );
  } finally {
    await mount.stop();
  }
});
