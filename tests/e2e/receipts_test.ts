/**
 * Delivery receipts end to end: `relayfile serve --writeback external` with a provider consumer played by the test,
 * the real mount daemon, and `writeback status` / `retry` as the CLI.
 */
import { join } from "node:path";
import { assertEquals, assertIncludes, assertOk } from "../support/assert.ts";
import { parseJson, relayfileCommand, runRelayfile } from "../support/cli.ts";
import { startFaultProxy } from "../support/fault_proxy.ts";
import { apiClient, startServeProcess } from "../support/serve_process.ts";
import { usingTempDir } from "../support/temp_dir.ts";
import { waitFor, waitForFirstSync } from "../support/wait.ts";

const CONSUMER = "fs:read,fs:write,ops:read,ops:replay,sync:read,sync:trigger";

async function setup() {
  const data = await usingTempDir();
  const home = await usingTempDir();
  const serve = await startServeProcess(data.path, ["--writeback", "external"]);
  const mint = async (scopes: string) =>
    (await runRelayfile(["token", "--data", data.path, "--workspace", serve.workspace, "--scopes", scopes], {
      env: { HOME: data.path },
    })).stdout.trim();
  const consumerToken = await mint(CONSUMER);
  const consumer = apiClient(serve.url, serve.workspace, consumerToken);
  const dir = join(home.path, "work");
  const env = { HOME: home.path };
  const startMount = (server = serve.url) => {
    const child = relayfileCommand(["mount", dir, "--server", server, "--token", serve.token], {
      env,
      stdout: "null",
      stderr: "null",
    }).spawn();
    return child;
  };
  const status = async (extra: string[] = []) => {
    const result = await runRelayfile(["writeback", "status", "--json", "--dir", dir, ...extra], { env });
    return { code: result.code, json: parseJson(result.stdout), stderr: result.stderr };
  };
  const pending = async () => (await consumer("GET", "writeback/pending")).json as { id: string; path: string }[];
  const ack = (id: string, success: boolean, error?: string) =>
    consumer("POST", `writeback/${id}/ack`, { success, ...(error ? { error } : {}) });
  return {
    serve,
    dir,
    env,
    consumer,
    consumerToken,
    startMount,
    status,
    pending,
    ack,
    async [Symbol.asyncDispose]() {
      await serve.stop("SIGKILL");
      await home[Symbol.asyncDispose]();
      await data[Symbol.asyncDispose]();
    },
  };
}

Deno.test("ten writes, nine acked and one refused by the provider: status names it, retry replays it, gate back to 0", async () => {
  await using s = await setup();
  const mount = s.startMount();
  try {
    await waitForFirstSync(s.dir);
    for (let i = 0; i < 10; i++) await Deno.writeTextFile(join(s.dir, `f${i}.md`), `file ${i}\n`);
    await waitFor("ten ops pending at the provider", async () => (await s.pending()).length === 10);
    const before = await s.status();
    assertEquals([before.code, before.json.awaitingProvider], [0, 10], "waiting for receipts is not a failure");
    for (const op of await s.pending()) {
      if (op.path === "/f7.md") await s.ack(op.id, false, "provider said no");
      else await s.ack(op.id, true);
    }
    await waitFor("the receipts", async () => (await s.status()).json.awaitingProvider === 0);
    const refused = await s.status();
    assertEquals(refused.code, 1);
    const [dead] = refused.json.deadLettered as {
      path: string;
      classification: string;
      reason: string;
      opId: string;
    }[];
    assertEquals([dead!.path, dead!.classification], ["/f7.md", "provider"]);
    assertIncludes(dead!.reason, "provider said no");
    assertEquals(refused.json.lastErrorByProvider, {}, "a root file belongs to no provider");
    const path = await runRelayfile(["writeback", "status", "--dir", s.dir, "/f7.md", "/f1.md"], { env: s.env });
    assertIncludes(path.stdout, "/f7.md\tprovider-rejected");
    assertIncludes(path.stdout, "/f1.md\tsynced");

    const retry = await runRelayfile(["writeback", "retry", "--opId", dead!.opId, "--dir", s.dir], {
      env: { ...s.env, RELAYFILE_TOKEN: s.consumerToken, RELAYFILE_SERVER: s.serve.url },
    });
    assertEquals(retry.code, 0, retry.stderr);
    assertIncludes(retry.stderr, "to the provider again (ops replay)");
    await waitFor("the replayed op pending again", async () => (await s.pending()).some((op) => op.path === "/f7.md"));
    for (const op of await s.pending()) await s.ack(op.id, true);
    await waitFor("the gate back to 0", async () => (await s.status()).code === 0);
    const bulks = ((await s.consumer("GET", "ops?limit=200")).json.items as { path: string }[])
      .filter((op) => op.path === "/f7.md");
    assertEquals(bulks.length, 1, "replayed, not written again");
  } finally {
    mount.kill("SIGTERM");
    await mount.status;
  }
});

Deno.test("kill -9 while receipts are outstanding: after a restart the acks are picked up and nothing is sent twice", async () => {
  await using s = await setup();
  let mount = s.startMount();
  try {
    await waitForFirstSync(s.dir);
    for (let i = 0; i < 3; i++) await Deno.writeTextFile(join(s.dir, `k${i}.md`), `kept ${i}\n`);
    await waitFor("three accepted", async () => (await s.status()).json.awaitingProvider === 3);
  } finally {
    mount.kill("SIGKILL");
    await mount.status;
  }
  for (const op of await s.pending()) await s.ack(op.id, true);
  mount = s.startMount();
  try {
    await waitFor("the receipts after the restart", async () => {
      const { json, code } = await s.status();
      return code === 0 && json.awaitingProvider === 0 && json.pending === 0;
    });
  } finally {
    mount.kill("SIGTERM");
    await mount.status;
  }
  const ops = (await s.consumer("GET", "ops?limit=200")).json.items as { path: string; status: string }[];
  const mine = ops.filter((op) => op.path.startsWith("/k"));
  assertEquals(mine.map((op) => op.status), ["succeeded", "succeeded", "succeeded"], "three writes, each once");
});

Deno.test("a server without the ops route: writes settle at 202 and status says receipts are unavailable", async () => {
  await using s = await setup();
  await using proxy = startFaultProxy(s.serve.url);
  proxy.rules.push({ route: "GET /v1/workspaces/ws_local/ops", fault: { status: 404 } });
  const mount = s.startMount(proxy.url);
  try {
    await waitForFirstSync(s.dir);
    await Deno.writeTextFile(join(s.dir, "a.md"), "a\n");
    await waitFor("the write to settle", async () => {
      const { json } = await s.status();
      return (json.receipts as { available: boolean } | null)?.available === false && json.pending === 0;
    });
    const { json, code } = await s.status();
    assertEquals(code, 0);
    assertOk(String((json.receipts as { reason: string }).reason).includes("no ops route"));
    const human = await runRelayfile(["writeback", "status", "--dir", s.dir], { env: s.env });
    assertIncludes(human.stdout, "receipts: unavailable (the server has no ops route)");
  } finally {
    mount.kill("SIGTERM");
    await mount.status;
  }
});

Deno.test("a mount stopped before the provider confirmed its writes says so in its last lines", async () => {
  await using s = await setup();
  const mount = relayfileCommand(["mount", s.dir, "--server", s.serve.url, "--token", s.serve.token], {
    env: s.env,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(mount.stderr).text();
  try {
    await waitForFirstSync(s.dir);
    for (let i = 0; i < 2; i++) await Deno.writeTextFile(join(s.dir, `u${i}.md`), `unconfirmed ${i}\n`);
    await waitFor("two accepted", async () => (await s.status()).json.awaitingProvider === 2);
  } finally {
    mount.kill("SIGTERM");
    await mount.status;
  }
  const text = await stderr;
  assertIncludes(text, "2 files, 0 pending, 2 awaiting the provider, 0 dead-lettered, 0 conflicts");
  assertIncludes(text, "2 changes on the server not yet confirmed by its provider: followed again at the next start");
});
