/**
 * The reference's own Go mount (npm @relayfile/mount-linux-x64, pinned) against `relayfile serve`: proves that the
 * server speaks the protocol a real client expects. Asserted by file contents on both sides, not by logs.
 */
import { join } from "node:path";
import { ensureGoMount } from "../../scripts/go_mount.ts";
import { assertEquals } from "../support/assert.ts";
import { runRelayfile } from "../support/cli.ts";
import { apiClient, type ServeProcess, startServeProcess } from "../support/serve_process.ts";
import { usingTempDir } from "../support/temp_dir.ts";
import { readTextOrUndefined, waitFor, waitForFirstSync } from "../support/wait.ts";

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
    const served = await serve.stop("SIGTERM");
    throw new Error(
      `${error instanceof Error ? error.message : error}\n--- Go mount log ---\n${await log}\n` +
        `--- server requests ---\n${served.stderr}`,
    );
  }
  child.kill("SIGTERM");
  await child.status;
  await log;
}

/**
 * Waits for the Go mount's second completed cycle. Its watcher can miss a file created right after start-up, and
 * its later cycles do not rescan the folder, so such a write is never sent (seen in about one run in four): a Go
 * mount defect this project does not share, worked around here because this test is about the server.
 */
async function goMountSettled(mountDir: string): Promise<void> {
  const reconciledAt = async () => {
    const state = await readTextOrUndefined(join(mountDir, ".relay/state.json"));
    return state ? JSON.parse(state).lastSuccessfulReconcileAt as string | undefined : undefined;
  };
  let first: string | undefined;
  await waitFor("the Go mount's first cycle", async () => (first = await reconciledAt()) !== undefined);
  await waitFor("the Go mount's second cycle", async () => (await reconciledAt()) !== first);
}

async function seededServer(data: string) {
  const serve = await startServeProcess(data, ["--verbose"]);
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

// Polling mode: with its WebSocket on, the Go mount reconciles only on events.
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
    await goMountSettled(mountDir);
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

/** One scenario, run through a mount in `dir`: changes on both sides, then the folder and the server must agree. */
async function parityScenario(
  dir: string,
  api: ReturnType<typeof apiClient>,
  settled: () => Promise<void>,
): Promise<Record<string, string>> {
  const local = (path: string) => readTextOrUndefined(join(dir, path));
  await waitFor("the initial pull", async () => (await local("docs/deep/a/b/c.md")) === "deep\n");
  await settled();
  await Deno.writeTextFile(join(dir, "docs/local.md"), "created here\n");
  await Deno.writeTextFile(join(dir, "docs/readme.md"), "# edited here\n");
  await Deno.remove(join(dir, "assets/logo.bin"));
  await api("POST", "fs/bulk", { files: [{ path: "/docs/remote.md", content: "written on the server\n" }] });
  const deep = await api("GET", "fs/file?path=/docs/deep/a/b/c.md");
  await api("DELETE", "fs/file?path=/docs/deep/a/b/c.md", undefined, { "if-match": deep.json.revision });
  const expected = {
    "docs/local.md": "created here\n",
    "docs/readme.md": "# edited here\n",
    "docs/remote.md": "written on the server\n",
  };
  const folder = async () => {
    const files: Record<string, string> = {};
    // The mount may remove a file or folder while this walks (a remote delete being applied): gone is not an error.
    const walk = async (relative: string) => {
      const entries = await Array.fromAsync(Deno.readDir(join(dir, relative))).catch(notFoundAs([]));
      for (const entry of entries) {
        const path = relative ? `${relative}/${entry.name}` : entry.name;
        if (entry.name === ".relay" || entry.name.startsWith(".relayfile")) continue;
        if (entry.isDirectory) await walk(path);
        else if (entry.isFile) {
          const text = await Deno.readTextFile(join(dir, path)).catch(notFoundAs(undefined));
          if (text !== undefined) files[path] = text;
        }
      }
    };
    await walk("");
    return Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)));
  };
  const server = async () => {
    const exported = (await api("GET", "fs/export?format=json&path=/")).json as { path: string; content: string }[];
    return Object.fromEntries(exported.map((file) => [file.path.slice(1), file.content]));
  };
  const agreed = async () =>
    JSON.stringify(await folder()) === JSON.stringify(expected) &&
    JSON.stringify(await server()) === JSON.stringify(expected);
  await waitFor("the folder and the server to agree", agreed).catch(async (error) => {
    throw new Error(
      `${error.message}\nfolder: ${JSON.stringify(await folder())}\nserver: ${JSON.stringify(await server())}`,
    );
  });
  return await folder();
}

Deno.test("our mount and the Go mount reach the same end state from the same scenario", async () => {
  const { fixedToken, runMount } = await import("../../src/mount/mod.ts");
  await using data = await usingTempDir();
  await using work = await usingTempDir();
  const serve = await startServeProcess(data.path);
  await using _serve = serve;
  const tokenFor = async (workspace: string) =>
    (await runRelayfile(["token", "--data", data.path, "--workspace", workspace], { env: { HOME: data.path } }))
      .stdout.trim();

  const oursToken = await tokenFor("ws_ours");
  const oursApi = apiClient(serve.url, "ws_ours", oursToken);
  await oursApi("POST", "fs/bulk", { files: SEED });
  const controller = new AbortController();
  const running = runMount({
    mountDir: join(work.path, "ours"),
    server: serve.url,
    workspace: "ws_ours",
    remoteRoot: "/",
    tokens: fixedToken(oursToken),
    intervalMs: 30_000,
    websocket: true,
    once: false,
    drainTimeoutMs: 5_000,
    signal: controller.signal,
    log: () => {},
  });
  let ours: Record<string, string>;
  try {
    // Local edits start once the first pull is over: a file written while the pull is about to create the same path
    // can be replaced by it (see the closing note), which is not what this scenario compares.
    ours = await parityScenario(join(work.path, "ours"), oursApi, () => waitForFirstSync(join(work.path, "ours")));
  } finally {
    controller.abort();
    await running;
  }

  const goToken = await tokenFor("ws_go");
  const goApi = apiClient(serve.url, "ws_go", goToken);
  await goApi("POST", "fs/bulk", { files: SEED });
  let go: Record<string, string> = {};
  const goServe = { ...serve, workspace: "ws_go", token: goToken };
  await withGoMount(goServe, join(work.path, "go"), ["--websocket=false"], async (goDir) => {
    go = await parityScenario(goDir, goApi, () => goMountSettled(goDir));
  });
  assertEquals(go, ours);
});

function notFoundAs<T>(value: T): (error: unknown) => T {
  return (error) => {
    if (error instanceof Deno.errors.NotFound) return value;
    throw error;
  };
}

Deno.test("the Go reference mount merges a stale push through relayfile serve's fs/merge", async () => {
  await using data = await usingTempDir();
  await using work = await usingTempDir();
  const { serve, api, remote } = await seededServer(data.path);
  await using _serve = serve;
  const lines = (change: Record<number, string> = {}) =>
    Array.from({ length: 50 }, (_, index) => change[index + 1] ?? `line ${index + 1}`).join("\n") + "\n";
  await api("POST", "fs/bulk", { files: [{ path: "/docs/merge.md", content: lines() }] });
  await withGoMount(serve, work.path, ["--websocket=false"], async (mountDir) => {
    await waitFor(
      "the initial pull",
      async () => (await readTextOrUndefined(join(mountDir, "docs/merge.md"))) !== undefined,
    );
    await goMountSettled(mountDir);
  });
  // While the Go mount is stopped, both sides change different lines; on restart it pushes first, meets 409, merges.
  await api("POST", "fs/bulk", { files: [{ path: "/docs/merge.md", content: lines({ 40: "line 40 REMOTE" }) }] });
  await Deno.writeTextFile(join(work.path, "mirror", "docs/merge.md"), lines({ 2: "line 2 LOCAL" }));
  const both = lines({ 2: "line 2 LOCAL", 40: "line 40 REMOTE" });
  await withGoMount(serve, work.path, ["--websocket=false"], async (mountDir) => {
    await waitFor("the merge on the server", async () => (await remote("/docs/merge.md")) === both);
    await waitFor(
      "the merge in the Go mount's folder",
      async () => (await readTextOrUndefined(join(mountDir, "docs/merge.md"))) === both,
    );
  });
  const served = await serve.stop("SIGTERM");
  assertEquals(/POST \S*\/fs\/merge 200/.test(served.stderr), true, "the Go mount used fs/merge");
});
