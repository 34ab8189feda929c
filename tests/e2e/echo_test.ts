/**
 * The mount never reads back its own writes: `relayfile serve --verbose` logs every request, the real mount daemon
 * listens on the WebSocket (where the announcement of a write can arrive before the write's own response), and the
 * reads are counted — a count, not a time.
 */
import { join } from "node:path";
import { assertEquals } from "../support/assert.ts";
import { relayfileCommand } from "../support/cli.ts";
import { apiClient, startServeProcess } from "../support/serve_process.ts";
import { usingTempDir } from "../support/temp_dir.ts";
import { readTextOrUndefined, waitFor, waitForFirstSync } from "../support/wait.ts";

Deno.test("a 100-file local burst is written to the server and read back zero times", async () => {
  await using data = await usingTempDir();
  await using home = await usingTempDir();
  const serve = await startServeProcess(data.path, ["--verbose"]);
  await using _serve = serve;
  const api = apiClient(serve.url, serve.workspace, serve.token);
  const dir = join(home.path, "work");
  const mount = relayfileCommand(["mount", dir, "--server", serve.url, "--workspace", serve.workspace], {
    env: { HOME: home.path, RELAYFILE_TOKEN: serve.token },
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await waitForFirstSync(dir);
    for (let i = 0; i < 100; i++) await Deno.writeTextFile(join(dir, `f${i}.md`), `file ${i}\n`);
    await waitFor("all 100 on the server", async () => {
      const tree = await api("GET", "fs/tree?path=/&depth=1");
      return (tree.json.entries as unknown[]).length === 100;
    });
    // A remote write after the burst: once it is in the folder, every announcement before it has been handled.
    await api("POST", "fs/bulk", { files: [{ path: "/sentinel.md", content: "after the burst\n" }] });
    await waitFor(
      "the sentinel in the folder",
      async () => (await readTextOrUndefined(join(dir, "sentinel.md"))) !== undefined,
    );
  } finally {
    mount.kill("SIGTERM");
    await mount.status;
  }
  const { stderr } = await serve.stop("SIGTERM");
  const reads = stderr.split("\n").filter((line) => /^(GET \S*\/fs\/file|POST \S*\/fs\/bulk-read) /.test(line));
  assertEquals(reads.length, 1, `only the sentinel is read:\n${stderr}`);
});
