/**
 * The reference's own Go mount (npm @relayfile/mount-linux-x64, pinned) against `relayfile serve`: proves that the
 * server speaks the protocol a real client expects. Asserted by file contents on both sides, not by logs.
 */
import { join } from "node:path";
import { ensureGoMount } from "../../scripts/go_mount.ts";
import { assertEquals } from "../support/assert.ts";
import { apiClient, type ServeProcess, startServeProcess } from "../support/serve_process.ts";
import { usingTempDir } from "../support/temp_dir.ts";
import { readTextOrUndefined, waitFor } from "../support/wait.ts";

const goMount = await ensureGoMount();

/** Runs the Go mount against `serve` on `mountDir` while `scenario` runs; its log is attached to a failure. */
async function withGoMount(
  serve: ServeProcess,
  work: string,
  extraArgs: string[],
  scenario: (mountDir: string) => Promise<void>,
): Promise<void> {
  const mountDir = join(work, "mirror");
  await Deno.mkdir(mountDir, { recursive: true });
  const child = new Deno.Command(goMount, {
    args: [
      "--base-url",
      serve.url,
      "--workspace",
      serve.workspace,
      "--local-dir",
      mountDir,
      "--state-dir",
      join(work, "state"),
      "--interval",
      "1s",
      ...extraArgs,
    ],
    env: { RELAYFILE_TOKEN: serve.token, HOME: work },
    clearEnv: true,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const log = new Response(child.stderr).text();
  try {
    await scenario(mountDir);
  } catch (error) {
    child.kill("SIGKILL");
    await child.status;
    throw new Error(`${error instanceof Error ? error.message : error}\n--- Go mount log ---\n${await log}`);
  }
  child.kill("SIGTERM");
  await child.status;
  await log;
}

async function seededServer(data: string) {
  const serve = await startServeProcess(data);
  const api = apiClient(serve.url, serve.workspace, serve.token);
  const remote = async (path: string) => {
    const response = await api("GET", `fs/file?path=${path}`);
    return response.status === 200 ? response.json.content as string : undefined;
  };
  return { serve, api, remote };
}

const LOGO = new Uint8Array([0, 1, 2, 254, 255]);
const SEED = [
  { path: "/docs/readme.md", content: "# seeded\n" },
  { path: "/docs/deep/a/b/c.md", content: "deep\n" },
  { path: "/assets/logo.bin", content: btoa(String.fromCharCode(...LOGO)), encoding: "base64" },
];

// Polling mode: every tick is a full push-then-pull, so the scenario does not depend on the Go mount's watcher
// having started (with its WebSocket on, it reconciles only on events, and a local write its watcher misses right
// after start-up is never pushed — seen in about one run in seven).
Deno.test("the Go reference mount pulls, pushes and follows remote changes against relayfile serve", async () => {
  await using data = await usingTempDir();
  await using work = await usingTempDir();
  const { serve, api, remote } = await seededServer(data.path);
  await using _serve = serve;
  await api("POST", "fs/bulk", { files: SEED });
  await withGoMount(serve, work.path, ["--websocket=false"], async (mountDir) => {
    const local = (path: string) => readTextOrUndefined(join(mountDir, path));
    await waitFor("the initial pull", async () => (await local("docs/deep/a/b/c.md")) === "deep\n");
    assertEquals(await local("docs/readme.md"), "# seeded\n");
    assertEquals(await Deno.readFile(join(mountDir, "assets/logo.bin")), LOGO);

    await Deno.writeTextFile(join(mountDir, "docs/local.md"), "made locally\n");
    await waitFor(
      "a local create to reach the server",
      async () => (await remote("/docs/local.md")) === "made locally\n",
    );

    await Deno.writeTextFile(join(mountDir, "docs/local.md"), "edited locally\n");
    await waitFor(
      "a local update to reach the server",
      async () => (await remote("/docs/local.md")) === "edited locally\n",
    );

    await Deno.remove(join(mountDir, "docs/readme.md"));
    await waitFor("a local delete to reach the server", async () => (await remote("/docs/readme.md")) === undefined);

    await api("POST", "fs/bulk", { files: [{ path: "/docs/remote.md", content: "from the server\n" }] });
    await waitFor(
      "a remote write to reach the folder",
      async () => (await local("docs/remote.md")) === "from the server\n",
    );

    const deep = await api("GET", "fs/file?path=/docs/deep/a/b/c.md");
    await api("DELETE", "fs/file?path=/docs/deep/a/b/c.md", undefined, { "if-match": deep.json.revision });
    await waitFor("a remote delete to reach the folder", async () => (await local("docs/deep/a/b/c.md")) === undefined);
  });
});

Deno.test("the Go reference mount follows remote writes and deletes over the fs/ws WebSocket", async () => {
  await using data = await usingTempDir();
  await using work = await usingTempDir();
  const { serve, api } = await seededServer(data.path);
  await using _serve = serve;
  await api("POST", "fs/bulk", { files: SEED });
  // A long interval: within the test, only the WebSocket can bring the changes.
  await withGoMount(serve, work.path, ["--interval", "10m"], async (mountDir) => {
    const local = (path: string) => readTextOrUndefined(join(mountDir, path));
    await waitFor("the initial pull", async () => (await local("docs/readme.md")) === "# seeded\n");
    await waitFor("the Go mount's WebSocket", async () => {
      const state = await local(".relay/state.json");
      return state !== undefined && JSON.parse(state).eventListener?.mode === "websocket" &&
        JSON.parse(state).eventListener?.status === "listening";
    });
    await api("POST", "fs/bulk", { files: [{ path: "/docs/live.md", content: "pushed live\n" }] });
    await waitFor("a remote write over the WebSocket", async () => (await local("docs/live.md")) === "pushed live\n");
    const readme = await api("GET", "fs/file?path=/docs/readme.md");
    await api("DELETE", "fs/file?path=/docs/readme.md", undefined, { "if-match": readme.json.revision });
    await waitFor("a remote delete over the WebSocket", async () => (await local("docs/readme.md")) === undefined);
  });
});
