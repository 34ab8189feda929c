/**
 * What the daemon says while it runs: one line per thing that happened, timestamped when stderr is not a terminal,
 * and the NDJSON form, line by line. The real daemon, a real server behind a fault proxy for the outage.
 */
import { join } from "node:path";
import { assertEquals, assertMatch, assertOk } from "../support/assert.ts";
import { relayfileCommand, runRelayfile } from "../support/cli.ts";
import { startFaultProxy } from "../support/fault_proxy.ts";
import { apiClient, startServeProcess } from "../support/serve_process.ts";
import { usingTempDir } from "../support/temp_dir.ts";
import { waitFor, waitForFirstSync } from "../support/wait.ts";

/** The lines written so far to a child's stderr, read as they come. */
function collectLines(stream: ReadableStream<Uint8Array>): { lines: string[]; done: Promise<void> } {
  const lines: string[] = [];
  let partial = "";
  const done = stream.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({
      write(chunk) {
        const parts = (partial + chunk).split("\n");
        partial = parts.pop() ?? "";
        lines.push(...parts);
      },
    }),
  );
  return { lines, done };
}

Deno.test("the daemon says, with a timestamp, each create, rename, remote change, outage and recovery", async () => {
  await using data = await usingTempDir();
  await using home = await usingTempDir();
  await using serve = await startServeProcess(data.path);
  await using proxy = startFaultProxy(serve.url);
  const api = apiClient(serve.url, serve.workspace, serve.token);
  const dir = join(home.path, "work");
  const env = { HOME: home.path, RELAYFILE_TOKEN: serve.token };
  const daemon = relayfileCommand(
    ["mount", dir, "--server", proxy.url, "--workspace", serve.workspace, "--interval", "1s", "--verbose"],
    { env, stdout: "null", stderr: "piped" },
  ).spawn();
  const stderr = collectLines(daemon.stderr);
  const said = (pattern: RegExp) =>
    waitFor(`a line matching ${pattern}`, () => stderr.lines.some((line) => pattern.test(line)));
  try {
    await waitForFirstSync(dir);
    await said(/mounted ws_local at .* watching; 0 files/);
    await Deno.writeTextFile(join(dir, "a.md"), "a\n");
    await said(/ up \/a\.md rev_\d+$/);
    await Deno.rename(join(dir, "a.md"), join(dir, "b.md"));
    await said(/ delete \/a\.md \(on the server\)$/);
    await said(/ up \/b\.md rev_\d+$/);
    await api("POST", "fs/bulk", { files: [{ path: "/remote.md", content: "from elsewhere\n" }] });
    await said(/ down \/remote\.md rev_\d+$/);
    proxy.rules.push({ route: "/v1/", fault: { status: 503 } });
    await said(/ offline: cannot pull from /);
    proxy.rules.length = 0;
    await said(/ back online: /);
  } finally {
    daemon.kill("SIGTERM");
    await daemon.status;
    await stderr.done;
  }
  const events = stderr.lines.filter((line) => / (mounted|up|delete|down|offline|back online)\b/.test(line));
  for (const line of events) assertMatch(line, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z /, "timestamped");
  assertEquals(stderr.lines.filter((line) => / offline: /.test(line)).length, 1, "the outage is said once");
});

Deno.test("--log-format json writes one JSON object per line with stable keys", async () => {
  await using data = await usingTempDir();
  await using home = await usingTempDir();
  await using serve = await startServeProcess(data.path);
  const api = apiClient(serve.url, serve.workspace, serve.token);
  await api("POST", "fs/bulk", { files: [{ path: "/docs/a.md", content: "a\n" }, { path: "/b.md", content: "b\n" }] });
  const logFile = join(home.path, "mount.log");
  const result = await runRelayfile(
    [
      "mount",
      join(home.path, "work"),
      "--server",
      serve.url,
      "--workspace",
      serve.workspace,
      "--once",
      "--verbose",
      "--log-format",
      "json",
      "--log-file",
      logFile,
    ],
    { env: { HOME: home.path, RELAYFILE_TOKEN: serve.token } },
  );
  assertEquals(result.code, 0, result.stderr);
  const lines = result.stderr.split("\n").filter((line) => line.startsWith("{"));
  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const downs = records.filter((record) => record.event === "down").map((record) => record.path).sort();
  assertEquals(downs, ["/b.md", "/docs/a.md"]);
  for (const record of records) {
    assertMatch(String(record.time), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assertOk(record.level === "info" || record.level === "detail");
    assertOk(typeof record.msg === "string");
  }
  assertEquals(
    (await Deno.readTextFile(logFile)).trim().split("\n").length,
    lines.length,
    "the file has the same lines",
  );
  assertEquals((await Deno.stat(logFile)).mode! & 0o777, 0o600);
});
