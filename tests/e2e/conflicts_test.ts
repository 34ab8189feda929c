/**
 * Conflicts end to end: `relayfile serve`, the real mount (daemon and `--once`), the real CLI. Edits of different
 * lines merge; edits of the same lines become a visible conflict that `writeback resolve` ends.
 */
import { join } from "node:path";
import { assertEquals, assertIncludes, assertOk } from "../support/assert.ts";
import { parseJson, relayfileCommand, runRelayfile } from "../support/cli.ts";
import { startFaultProxy } from "../support/fault_proxy.ts";
import { apiClient, startServeProcess } from "../support/serve_process.ts";
import { usingTempDir } from "../support/temp_dir.ts";
import { waitFor, waitForFirstSync } from "../support/wait.ts";

/** Fifty numbered lines, some of them changed. */
const lines = (change: Record<number, string> = {}) =>
  Array.from({ length: 50 }, (_, index) => change[index + 1] ?? `line ${index + 1}`).join("\n") + "\n";

async function setup() {
  const data = await usingTempDir();
  const home = await usingTempDir();
  const serve = await startServeProcess(data.path, ["--max-body-bytes", String(16 * 1024 * 1024)]);
  const proxy = startFaultProxy(serve.url);
  const api = apiClient(serve.url, serve.workspace, serve.token);
  const dir = join(home.path, "work");
  await Deno.mkdir(dir);
  const env = { HOME: home.path, RELAYFILE_TOKEN: serve.token };
  const mountArgs = ["mount", dir, "--server", proxy.url, "--workspace", serve.workspace];
  const cli = (args: string[]) => runRelayfile(args, { env, cwd: dir });
  /** Writes on the server directly (not through the proxy), as another agent would. */
  const remoteWrite = async (path: string, content: string, encoding?: string) => {
    const response = await api("POST", "fs/bulk", { files: [{ path, content, ...(encoding ? { encoding } : {}) }] });
    assertEquals(response.json.errorCount, 0, JSON.stringify(response.json));
    return response.json.results[0].revision as string;
  };
  const remoteRead = async (path: string) => (await api("GET", `fs/file?path=${encodeURIComponent(path)}`)).json;
  const writes = () => proxy.log.filter((line) => /^POST \S*\/fs\/(bulk|merge) /.test(line));
  return {
    dir,
    proxy,
    cli,
    remoteWrite,
    remoteRead,
    writes,
    once: async (extra: string[] = []) => {
      const result = await cli([...mountArgs, "--once", ...extra]);
      assertEquals(result.code, 0, result.stderr);
      return result;
    },
    /** A daemon that hears of remote changes only when asked (polls hourly through the proxy, no WebSocket). */
    startDaemon: () =>
      relayfileCommand([...mountArgs, "--interval", "1h", "--no-websocket"], {
        env,
        cwd: home.path,
        stdout: "null",
        stderr: "piped",
      }).spawn(),
    async [Symbol.asyncDispose]() {
      await proxy[Symbol.asyncDispose]();
      await serve.stop("SIGKILL");
      await home[Symbol.asyncDispose]();
      await data[Symbol.asyncDispose]();
    },
  };
}

/** The names in a folder, without the mount's own `.relay`. */
async function listDir(dir: string): Promise<string[]> {
  const entries = await Array.fromAsync(Deno.readDir(dir)).catch(() => []);
  return entries.map((entry) => entry.name).filter((name) => name !== ".relay").sort();
}

Deno.test("edits of different lines made while the mount was stopped merge: both edits on both sides, no conflict, one write", async () => {
  await using s = await setup();
  await s.remoteWrite("/doc.md", lines());
  await s.once();
  await Deno.writeTextFile(join(s.dir, "doc.md"), lines({ 2: "line 2 LOCAL" }));
  await s.remoteWrite("/doc.md", lines({ 40: "line 40 REMOTE" }));
  const before = s.writes().length;
  const run = await s.once(["--verbose"]);
  const both = lines({ 2: "line 2 LOCAL", 40: "line 40 REMOTE" });
  assertEquals(await Deno.readTextFile(join(s.dir, "doc.md")), both);
  assertEquals((await s.remoteRead("/doc.md")).content, both);
  assertEquals(s.writes().length - before, 1, s.writes().join("\n"));
  assertEquals(await listDir(join(s.dir, ".relay", "conflicts")), []);
  assertEquals(await listDir(s.dir), ["doc.md"]);
  assertIncludes(run.stderr, "merged /doc.md");
});

Deno.test("a running mount's push that meets a newer revision is merged by the server's fs/merge", async () => {
  await using s = await setup();
  await s.remoteWrite("/doc.md", lines());
  const daemon = s.startDaemon();
  const log = new Response(daemon.stderr).text();
  try {
    await waitForFirstSync(s.dir);
    await s.remoteWrite("/doc.md", lines({ 40: "line 40 REMOTE" }));
    await Deno.writeTextFile(join(s.dir, "doc.md"), lines({ 2: "line 2 LOCAL" }));
    const both = lines({ 2: "line 2 LOCAL", 40: "line 40 REMOTE" });
    await waitFor("the merge on the server", async () => (await s.remoteRead("/doc.md")).content === both);
    await waitFor("the merge in the folder", async () => await Deno.readTextFile(join(s.dir, "doc.md")) === both);
    assertEquals(s.writes().filter((line) => line.includes("/fs/merge")).length, 1, s.writes().join("\n"));
    assertEquals(await listDir(join(s.dir, ".relay", "conflicts")), []);
  } finally {
    daemon.kill("SIGTERM");
    await daemon.status;
    await log;
  }
});

Deno.test("the same line changed on both sides is a visible conflict; status lists it and exits 0 unless --fail-on-conflict", async () => {
  await using s = await setup();
  const first = await s.remoteWrite("/doc.md", lines());
  await s.once();
  await Deno.writeTextFile(join(s.dir, "doc.md"), lines({ 5: "line 5 LOCAL" }));
  const theirs = await s.remoteWrite("/doc.md", lines({ 5: "line 5 REMOTE" }));
  await s.once();
  assertEquals(await Deno.readTextFile(join(s.dir, "doc.md")), lines({ 5: "line 5 REMOTE" }), "the server's version");
  const [beside] = (await listDir(s.dir)).filter((name) => name !== "doc.md");
  assertOk(beside?.startsWith(`doc.conflict-${first}-`) && beside.endsWith(".md"), `copy beside: ${beside}`);
  assertEquals(await Deno.readTextFile(join(s.dir, beside!)), lines({ 5: "line 5 LOCAL" }));
  const status = await s.cli(["writeback", "status", "--json", "--dir", s.dir]);
  assertEquals(status.code, 0, "a conflict is not a failure");
  assertEquals(parseJson(status.stdout).conflicted, [{
    path: "/doc.md",
    localRevision: first,
    remoteRevision: theirs,
    localCopy: join(s.dir, ".relay", "conflicts", `doc.md.${first}.local`),
    besideCopies: [beside],
  }]);
  assertEquals((await s.cli(["writeback", "status", "--dir", s.dir, "--fail-on-conflict"])).code, 1);
  // The copy beside the file is never uploaded.
  await s.once();
  assertEquals((await s.remoteRead(`/${beside}`)).code, "not_found");
});

Deno.test("resolve --keep local puts your bytes on the server and clears the conflict; --keep remote keeps the server's", async () => {
  await using s = await setup();
  await s.remoteWrite("/a.md", lines());
  await s.remoteWrite("/b.md", lines());
  await s.once();
  await Deno.writeTextFile(join(s.dir, "a.md"), lines({ 5: "a LOCAL" }));
  await Deno.writeTextFile(join(s.dir, "b.md"), lines({ 5: "b LOCAL" }));
  await s.remoteWrite("/a.md", lines({ 5: "a REMOTE" }));
  await s.remoteWrite("/b.md", lines({ 5: "b REMOTE" }));
  await s.once();
  assertEquals((await listDir(s.dir)).length, 4, "two files, two copies");

  const local = await s.cli(["writeback", "resolve", "a.md", "--keep", "local"]);
  assertEquals(local.code, 0, local.stderr);
  assertEquals((await s.remoteRead("/a.md")).content, lines({ 5: "a LOCAL" }));
  assertEquals(await Deno.readTextFile(join(s.dir, "a.md")), lines({ 5: "a LOCAL" }));
  const remote = await s.cli(["writeback", "resolve", "b.md", "--keep", "remote"]);
  assertEquals(remote.code, 0, remote.stderr);
  assertEquals((await s.remoteRead("/b.md")).content, lines({ 5: "b REMOTE" }));
  assertEquals(await Deno.readTextFile(join(s.dir, "b.md")), lines({ 5: "b REMOTE" }));

  assertEquals(await listDir(s.dir), ["a.md", "b.md"], "no copies left beside the files");
  assertEquals(await listDir(join(s.dir, ".relay", "conflicts")), []);
  const status = await s.cli(["writeback", "status", "--json", "--dir", s.dir, "--fail-on-conflict"]);
  assertEquals([status.code, parseJson(status.stdout).conflicts], [0, 0]);
});

Deno.test("a binary file and a 5 MB text file never merge: they become conflicts", async () => {
  await using s = await setup();
  const big = (mark: string) => lines({ 1: mark }) + "x".repeat(5 * 1024 * 1024) + "\n";
  await s.remoteWrite("/big.txt", big("base"));
  await s.remoteWrite("/pic.bin", btoa("\0\x01base\n\0"), "base64");
  await s.once();
  await Deno.writeTextFile(join(s.dir, "big.txt"), big("local"));
  await Deno.writeFile(join(s.dir, "pic.bin"), new TextEncoder().encode("\0\x01local\n\0"));
  await s.remoteWrite("/big.txt", big("remote").replace("line 50", "line 50 remote"));
  await s.remoteWrite("/pic.bin", btoa("\0\x01base\nremote\0"), "base64");
  const run = await s.once();
  assertIncludes(run.stderr, "conflict on /big.txt");
  assertIncludes(run.stderr, "conflict on /pic.bin");
  const status = await s.cli(["writeback", "status", "--json", "--dir", s.dir]);
  assertEquals(parseJson(status.stdout).conflicts, 2);
});

Deno.test("resolve --keep merged FILE pushes the file merged by hand and clears the conflict", async () => {
  await using s = await setup();
  await s.remoteWrite("/c.md", lines());
  await s.once();
  await Deno.writeTextFile(join(s.dir, "c.md"), lines({ 7: "c LOCAL" }));
  await s.remoteWrite("/c.md", lines({ 7: "c REMOTE" }));
  await s.once();
  const merged = join(s.dir, "..", "c.merged.md");
  await Deno.writeTextFile(merged, lines({ 7: "c LOCAL and REMOTE" }));
  assertEquals((await s.cli(["writeback", "resolve", "c.md", "--keep", "merged"])).code, 2, "FILE is needed");
  const result = await s.cli(["writeback", "resolve", "c.md", "--keep", "merged", merged]);
  assertEquals(result.code, 0, result.stderr);
  assertEquals((await s.remoteRead("/c.md")).content, lines({ 7: "c LOCAL and REMOTE" }));
  assertEquals(await listDir(s.dir), ["c.md"]);
  assertEquals((await s.cli(["writeback", "resolve", "c.md", "--keep", "local"])).code, 2, "not in conflict any more");
});
