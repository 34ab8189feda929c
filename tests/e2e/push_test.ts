/**
 * `writeback push | update | delete` end to end: `relayfile serve --writeback external` with the provider played by
 * the test, the real CLI as a subprocess, with and without a running mount of the folder.
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
  const consumerToken = (await runRelayfile(
    ["token", "--data", data.path, "--workspace", serve.workspace, "--scopes", CONSUMER],
    { env: { HOME: data.path } },
  )).stdout.trim();
  const consumer = apiClient(serve.url, serve.workspace, consumerToken);
  const dir = join(home.path, "work");
  // The token reaches the CLI the way a CI job gives it: in the environment, never in argv.
  const env = { HOME: home.path, RELAYFILE_TOKEN: serve.token };
  const mountArgs = (server: string) => ["mount", dir, "--server", server, "--workspace", serve.workspace];
  const cli = (args: string[]) => runRelayfile(args, { env, cwd: home.path });
  const pending = async () => (await consumer("GET", "writeback/pending")).json as { id: string; path: string }[];
  /** Answers as the provider for the first op of `path` that shows up. */
  const answer = async (path: string, success: boolean, error?: string) => {
    let id = "";
    await waitFor(`an op for ${path} at the provider`, async () => {
      id = (await pending()).find((op) => op.path === path)?.id ?? "";
      return id !== "";
    });
    await consumer("POST", `writeback/${id}/ack`, { success, ...(error ? { error } : {}) });
  };
  return {
    serve,
    dir,
    env,
    consumer,
    cli,
    answer,
    pending,
    /** A mount of the folder, once, so that it is a mount of the workspace with nothing running. */
    mountOnce: async () => assertEquals((await cli([...mountArgs(serve.url), "--once"])).code, 0),
    startMount: (server = serve.url) =>
      relayfileCommand(mountArgs(server), { env, cwd: home.path, stdout: "null", stderr: "null" }).spawn(),
    async [Symbol.asyncDispose]() {
      await serve.stop("SIGKILL");
      await home[Symbol.asyncDispose]();
      await data[Symbol.asyncDispose]();
    },
  };
}

async function outboxOps(dir: string): Promise<string[]> {
  const entries = await Array.fromAsync(Deno.readDir(join(dir, ".relay", "outbox"))).catch(() => []);
  return entries.filter((entry) => entry.isFile && entry.name.endsWith(".json")).map((entry) => entry.name);
}

Deno.test("push of a file the provider acks exits 0 with its revision", async () => {
  await using s = await setup();
  await s.mountOnce();
  await Deno.writeTextFile(join(s.dir, "report.md"), "# generated\n");
  const [result] = await Promise.all([
    s.cli(["writeback", "push", join(s.dir, "report.md"), "--json"]),
    s.answer("/report.md", true),
  ]);
  assertEquals(result.code, 0, result.stderr);
  const document = parseJson(result.stdout);
  assertEquals([document.state, document.receipt, document.path], ["delivered", "delivered", "/report.md"]);
  const file = await s.consumer("GET", "fs/file?path=/report.md");
  assertEquals(document.revision, file.json.revision);
  assertEquals(file.json.content, "# generated\n");
  assertEquals(await outboxOps(s.dir), [], "nothing left in the outbox");
});

Deno.test("push of a file the provider refuses exits 1 with the reason and a dead letter", async () => {
  await using s = await setup();
  await s.mountOnce();
  await Deno.writeTextFile(join(s.dir, "bad.md"), "no\n");
  const [result] = await Promise.all([
    s.cli(["writeback", "push", join(s.dir, "bad.md")]),
    s.answer("/bad.md", false, "the provider says no"),
  ]);
  assertEquals(result.code, 1, result.stderr);
  assertIncludes(result.stderr, "the provider refused");
  assertIncludes(result.stderr, "the provider says no");
  const status = await s.cli(["writeback", "status", "--json", "--dir", s.dir]);
  const [dead] = parseJson(status.stdout).deadLettered as { path: string; classification: string }[];
  assertEquals([dead?.path, dead?.classification], ["/bad.md", "provider"]);
});

Deno.test("push with no receipt within --timeout exits 4, keeps the op, and status --wait picks up the later ack", async () => {
  await using s = await setup();
  await s.mountOnce();
  await Deno.writeTextFile(join(s.dir, "slow.md"), "slow\n");
  const result = await s.cli(["writeback", "push", join(s.dir, "slow.md"), "--timeout", "2s"]);
  assertEquals(result.code, 4, result.stderr);
  assertIncludes(result.stderr, "receipt did not come within 2s");
  assertEquals((await outboxOps(s.dir)).length, 1, "the op stays in the outbox");
  await s.answer("/slow.md", true);
  const waited = await s.cli(["writeback", "status", "--json", "--dir", s.dir, "--wait", "30s"]);
  assertEquals(waited.code, 0, waited.stderr);
  assertEquals(parseJson(waited.stdout).awaitingProvider, 0);
  assertEquals(await outboxOps(s.dir), []);
});

Deno.test("push while a mount runs for the folder makes one bulk write, not two", async () => {
  await using s = await setup();
  await using proxy = startFaultProxy(s.serve.url);
  const mount = s.startMount(proxy.url);
  try {
    await waitForFirstSync(s.dir);
    await Deno.writeTextFile(join(s.dir, "once.md"), "once\n");
    const [result] = await Promise.all([
      s.cli(["writeback", "push", join(s.dir, "once.md"), "--json"]),
      s.answer("/once.md", true),
    ]);
    assertEquals(result.code, 0, result.stderr);
    assertEquals(parseJson(result.stdout).state, "delivered");
    const bulkWrites = proxy.log.filter((line) => line.startsWith("POST") && line.includes("/fs/bulk"));
    assertEquals(bulkWrites.length, 1, proxy.log.join("\n"));
    assertEquals((await s.pending()).length, 0);
  } finally {
    mount.kill("SIGTERM");
    await mount.status;
  }
});

Deno.test("delete of a file removes it on the server and exits 0 after the ack", async () => {
  await using s = await setup();
  await s.consumer("PUT", "fs/file?path=/old.md", { content: "old\n" }, { "if-match": "0" });
  await s.answer("/old.md", true);
  await s.mountOnce();
  assertEquals(await Deno.readTextFile(join(s.dir, "old.md")), "old\n");
  const [result] = await Promise.all([
    s.cli(["writeback", "delete", join(s.dir, "old.md")]),
    s.answer("/old.md", true),
  ]);
  assertEquals(result.code, 0, result.stderr);
  assertIncludes(result.stdout, "Deleted /old.md");
  assertEquals((await s.consumer("GET", "fs/file?path=/old.md")).status, 404);
  assertOk(!(await Deno.stat(join(s.dir, "old.md")).catch(() => undefined)), "gone from the folder too");
});

Deno.test("update of a path the server lacks exits 1 and creates nothing", async () => {
  await using s = await setup();
  await s.mountOnce();
  await Deno.writeTextFile(join(s.dir, "new.md"), "new\n");
  const result = await s.cli(["writeback", "update", join(s.dir, "new.md")]);
  assertEquals(result.code, 1, result.stderr);
  assertIncludes(result.stderr, "update creates nothing");
  assertEquals((await s.consumer("GET", "fs/file?path=/new.md")).status, 404);
  assertEquals(await outboxOps(s.dir), []);
});

Deno.test("push of a path outside any mount, one the ignore rules leave out, or one too large, is refused before sending", async () => {
  await using s = await setup();
  await s.mountOnce();
  const outside = await s.cli(["writeback", "push", join(s.dir, "..", "elsewhere.md")]);
  assertEquals(outside.code, 3, outside.stderr);
  assertIncludes(outside.stderr, "not inside a mount");
  await Deno.writeTextFile(join(s.dir, ".DS_Store"), "junk");
  const ignored = await s.cli(["writeback", "push", join(s.dir, ".DS_Store")]);
  assertEquals(ignored.code, 2, ignored.stderr);
  assertIncludes(ignored.stderr, "ignore rules");
  await Deno.writeTextFile(join(s.dir, "disk.img"), "");
  await Deno.truncate(join(s.dir, "disk.img"), 5 * 1024 ** 3); // sparse: reading it would take 5 GiB
  const huge = await s.cli(["writeback", "push", join(s.dir, "disk.img")]);
  assertEquals(huge.code, 2, huge.stderr);
  assertIncludes(huge.stderr, "is 5 GiB: larger than the 64 MiB a mount sends");
  assertEquals((await s.pending()).length, 0);
});

Deno.test("push to a server that does not answer exits 3 and leaves the op for the next mount", async () => {
  await using s = await setup();
  await s.mountOnce();
  await s.serve.stop("SIGKILL");
  await Deno.writeTextFile(join(s.dir, "later.md"), "later\n");
  const result = await s.cli(["writeback", "push", join(s.dir, "later.md"), "--timeout", "2s"]);
  assertEquals(result.code, 3, result.stderr);
  assertIncludes(result.stderr, "could not send");
  assertIncludes(result.stderr, "the next relayfile mount");
  assertEquals((await outboxOps(s.dir)).length, 1, "kept in the outbox, not dropped");
});

Deno.test("push of a file the server changed meanwhile in other lines merges, and waits for the merge's receipt", async () => {
  await using s = await setup();
  const lines = (change: Record<number, string> = {}) =>
    Array.from({ length: 30 }, (_, index) => change[index + 1] ?? `line ${index + 1}`).join("\n") + "\n";
  await s.consumer("PUT", "fs/file?path=/plan.md", { content: lines() }, { "if-match": "0" });
  await s.answer("/plan.md", true);
  await s.mountOnce();
  await s.consumer("POST", "fs/bulk", { files: [{ path: "/plan.md", content: lines({ 20: "line 20 REMOTE" }) }] });
  await s.answer("/plan.md", true);
  await Deno.writeTextFile(join(s.dir, "plan.md"), lines({ 3: "line 3 LOCAL" }));
  const result = await s.cli(["writeback", "push", join(s.dir, "plan.md"), "--json", "--timeout", "2s"]);
  assertEquals(result.code, 4, "the merge is on the server; the provider has not said yet");
  const document = parseJson(result.stdout);
  assertEquals([document.state, document.merged, document.receipt], ["accepted", true, "pending"]);
  const both = lines({ 3: "line 3 LOCAL", 20: "line 20 REMOTE" });
  assertEquals((await s.consumer("GET", "fs/file?path=/plan.md")).json.content, both);
  assertEquals(await Deno.readTextFile(join(s.dir, "plan.md")), both);
  await s.answer("/plan.md", true);
  const waited = await s.cli(["writeback", "status", "--dir", s.dir, "--wait", "30s"]);
  assertEquals(waited.code, 0, waited.stderr);
});
