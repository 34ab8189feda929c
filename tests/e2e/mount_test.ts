import { join } from "node:path";
import { assertEquals, assertIncludes } from "../support/assert.ts";
import { parseJson, relayfileCommand, runRelayfile, SHAPED_TOKEN } from "../support/cli.ts";
import { apiClient, startServeProcess } from "../support/serve_process.ts";
import { usingTempDir } from "../support/temp_dir.ts";
import { readRunFlags } from "../../scripts/permission_flags.ts";
import { waitFor, waitForFirstSync } from "../support/wait.ts";

/**
 * `relayfile mount ARGS` as a daemon, killed after 30 s at the latest — a bound, not a timing assertion: a mount that
 * does not stop by itself fails the test instead of hanging it. Disposed: stopped if still running.
 */
function boundedMount(args: string[], env: Record<string, string>) {
  const child = relayfileCommand(["mount", ...args], { env, stdout: "null", stderr: "piped" }).spawn();
  const bound = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const status = child.status.finally(() => clearTimeout(bound));
  return {
    child,
    status,
    stderr: new Response(child.stderr).text(),
    async [Symbol.asyncDispose]() {
      clearTimeout(bound);
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
      await status;
    },
  };
}

Deno.test("mount --once pulls the workspace and registers it, so writeback status WORKSPACE finds it", async () => {
  await using data = await usingTempDir();
  await using home = await usingTempDir();
  await using serve = await startServeProcess(data.path);
  const api = apiClient(serve.url, serve.workspace, serve.token);
  await api("POST", "fs/bulk", { files: [{ path: "/docs/a.md", content: "from the server\n" }] });
  const dir = join(home.path, "work");
  const mounted = await runRelayfile(["mount", dir, "--server", serve.url, "--token", serve.token, "--once"], {
    env: { HOME: home.path },
  });
  assertEquals(mounted.code, 0, mounted.stderr);
  assertIncludes(mounted.stderr, `ws_local at ${dir}: 1 file, 0 pending, 0 dead-lettered, 0 conflicts`);
  assertEquals(await Deno.readTextFile(join(dir, "docs/a.md")), "from the server\n");
  const catalog = JSON.parse(await Deno.readTextFile(join(home.path, ".relayfile/workspaces.json")));
  assertEquals(catalog.workspaces[0].localDir, dir);
  const status = await runRelayfile(["writeback", "status", "ws_local", "--json"], { env: { HOME: home.path } });
  assertEquals(status.code, 0, status.stderr);
  assertEquals(parseJson(status.stdout).localDir, dir);
  const synced = await runRelayfile(["writeback", "status", "--workspace", "ws_local", "/docs/a.md"], {
    env: { HOME: home.path },
  });
  assertEquals([synced.code, synced.stdout], [0, "/docs/a.md\tsynced (rev_1)\n"]);
});

Deno.test("a mount that never synced is not recorded: status WORKSPACE still finds the folder that did", async () => {
  await using data = await usingTempDir();
  await using home = await usingTempDir();
  await using serve = await startServeProcess(data.path);
  const good = join(home.path, "good");
  const env = { HOME: home.path };
  const mounted = await runRelayfile(["mount", good, "--server", serve.url, "--token", serve.token, "--once"], { env });
  assertEquals(mounted.code, 0, mounted.stderr);
  const failed = await runRelayfile(
    ["mount", join(home.path, "other"), "--server", "http://127.0.0.1:1", "--token", serve.token, "--once"],
    { env },
  );
  assertEquals(failed.code, 3, failed.stderr);
  const status = await runRelayfile(["writeback", "status", "ws_local", "--json"], { env });
  assertEquals([status.code, parseJson(status.stdout).localDir], [0, good]);
});

Deno.test("mount runs until SIGTERM, sends local changes, and exits 0 after draining", async () => {
  await using data = await usingTempDir();
  await using home = await usingTempDir();
  await using serve = await startServeProcess(data.path);
  const api = apiClient(serve.url, serve.workspace, serve.token);
  const dir = join(home.path, "work");
  await using mount = boundedMount([dir, "--server", serve.url, "--token", serve.token], { HOME: home.path });
  await waitForFirstSync(dir);
  await Deno.writeTextFile(join(dir, "hello.md"), "hello from the folder\n");
  await waitFor(
    "the local file on the server",
    async () => (await api("GET", "fs/file?path=/hello.md")).json?.content === "hello from the folder\n",
  );
  mount.child.kill("SIGTERM");
  const log = await mount.stderr;
  assertEquals((await mount.status).code, 0, log);
  assertIncludes(log, "SIGTERM: stopping; sending what is queued");
  assertIncludes(log, "1 file, 0 pending, 0 dead-lettered");
});

Deno.test("a named pipe in the folder is said once, changes beside it still go, and SIGTERM still stops the mount", async () => {
  await using data = await usingTempDir();
  await using home = await usingTempDir();
  await using serve = await startServeProcess(data.path);
  const api = apiClient(serve.url, serve.workspace, serve.token);
  const dir = join(home.path, "work");
  await using mount = boundedMount([dir, "--server", serve.url, "--interval", "1s"], {
    HOME: home.path,
    RELAYFILE_TOKEN: serve.token,
  });
  await waitForFirstSync(dir);
  // Deno's watcher opens each path it reports: opening this pipe waits for a writer that never comes.
  assertEquals((await new Deno.Command("mkfifo", { args: [join(dir, "pipe")] }).output()).code, 0);
  await Deno.writeTextFile(join(dir, "beside.md"), "written after the pipe\n");
  await waitFor(
    "the file beside the pipe on the server",
    async () => (await api("GET", "fs/file?path=/beside.md")).json?.content === "written after the pipe\n",
  );
  mount.child.kill("SIGTERM");
  const log = await mount.stderr;
  assertEquals((await mount.status).code, 0, log);
  assertEquals(log.split("pipe is a named pipe").length - 1, 1, log);
  assertEquals((await api("GET", "fs/file?path=/pipe")).status, 404);
});

Deno.test("a file and a folder the mount may not read are listed as not sent, and every other file still goes", async () => {
  await using data = await usingTempDir();
  await using home = await usingTempDir();
  await using serve = await startServeProcess(data.path);
  const api = apiClient(serve.url, serve.workspace, serve.token);
  const dir = join(home.path, "work");
  await Deno.mkdir(join(dir, "locked"), { recursive: true });
  const names = ["a.md", "secret.md", "locked/in.md", "z.md"];
  for (const name of names) await Deno.writeTextFile(join(dir, name), `${name}\n`);
  // What `chmod` does for a user; for root (which it does not stop), the same refusal through Deno's permissions.
  await Deno.chmod(join(dir, "secret.md"), 0o000);
  await Deno.chmod(join(dir, "locked"), 0o000);
  const denied = `--deny-read=${join(dir, "secret.md")},${join(dir, "locked")}`;
  const env = { HOME: home.path, RELAYFILE_TOKEN: serve.token };
  try {
    const mount = await runRelayfile(["mount", dir, "--server", serve.url, "--once", "--allow-non-empty"], {
      env,
      flags: [...await readRunFlags(), denied],
    });
    assertEquals(mount.code, 0, mount.stderr);
    assertIncludes(mount.stderr, "not sending secret.md: it cannot be read here (permission denied)");
    for (const name of ["a.md", "z.md"]) {
      assertEquals((await api("GET", `fs/file?path=/${name}`)).json?.content, `${name}\n`);
    }
    for (const name of ["secret.md", "locked/in.md"]) {
      assertEquals((await api("GET", `fs/file?path=/${name}`)).status, 404);
    }
    const status = await runRelayfile(["writeback", "status", "--json", "--dir", dir], { env });
    assertEquals(status.code, 1, status.stdout);
    const mirror = parseJson(status.stdout).mirror as { skippedLocalPaths: { path: string }[]; nextAction: string };
    assertEquals(mirror.nextAction, "fix-local");
    assertEquals(mirror.skippedLocalPaths.map((entry) => entry.path).sort(), ["locked", "secret.md"]);
  } finally {
    await Deno.chmod(join(dir, "locked"), 0o755);
  }
});

Deno.test("after the server lost its database, the next mount keeps the folder's files and sends them again", async () => {
  await using data = await usingTempDir();
  await using home = await usingTempDir();
  const dir = join(home.path, "work");
  const first = await startServeProcess(data.path);
  const env = { HOME: home.path, RELAYFILE_TOKEN: first.token };
  const mountOnce = (url: string) => runRelayfile(["mount", dir, "--server", url, "--once"], { env });
  assertEquals((await mountOnce(first.url)).code, 0);
  for (const name of ["a.md", "b.md"]) await Deno.writeTextFile(join(dir, name), `${name} kept only here\n`);
  assertEquals((await mountOnce(first.url)).code, 0);
  await first.stop();
  for await (const entry of Deno.readDir(data.path)) {
    if (entry.name.startsWith("relayfile.db")) await Deno.remove(join(data.path, entry.name));
  }
  // The same secret (the same token) and address: only the database is new.
  await using second = await startServeProcess(data.path, ["--addr", new URL(first.url).host]);
  const again = await mountOnce(second.url);
  assertEquals(again.code, 0, again.stderr);
  assertIncludes(again.stderr, "the server lists none of the 2 files this folder synced");
  const api = apiClient(second.url, second.workspace, second.token);
  for (const name of ["a.md", "b.md"]) {
    assertEquals(await Deno.readTextFile(join(dir, name)), `${name} kept only here\n`);
    assertEquals((await api("GET", `fs/file?path=/${name}`)).json?.content, `${name} kept only here\n`);
  }
});

Deno.test("a second mount of a folder exits 3 naming the running one; after kill -9 of that, a new mount starts", async () => {
  await using data = await usingTempDir();
  await using home = await usingTempDir();
  await using serve = await startServeProcess(data.path);
  const dir = join(home.path, "work");
  const args = ["mount", dir, "--server", serve.url, "--token", serve.token];
  const first = relayfileCommand(args, { env: { HOME: home.path }, stdout: "null", stderr: "null" }).spawn();
  try {
    await waitForFirstSync(dir);
    const second = await runRelayfile([...args, "--once"], { env: { HOME: home.path } });
    assertEquals(second.code, 3, second.stderr);
    assertIncludes(second.stderr, `another relayfile mount (pid ${first.pid}) is running on ${dir}`);
  } finally {
    first.kill("SIGKILL");
    await first.status;
  }
  const after = await runRelayfile([...args, "--once"], { env: { HOME: home.path } });
  assertEquals(after.code, 0, after.stderr);
});

Deno.test("a mount of a workspace the token is not for says which one the token is for", async () => {
  await using data = await usingTempDir();
  await using home = await usingTempDir();
  await using serve = await startServeProcess(data.path);
  const result = await runRelayfile(
    ["mount", join(home.path, "work"), "--server", serve.url, "--workspace", "ws_other", "--once"],
    { env: { HOME: home.path, RELAYFILE_TOKEN: serve.token } },
  );
  assertEquals(result.code, 3, result.stderr);
  assertIncludes(result.stderr, `note: the token is for workspace ${serve.workspace}, not ws_other`);
  assertIncludes(result.stderr, "error: workspace mismatch");
});

Deno.test("mount without a token or workspace is a usage error", async () => {
  await using home = await usingTempDir();
  const noToken = await runRelayfile(["mount", join(home.path, "w"), "--once"], { env: { HOME: home.path } });
  assertEquals(noToken.code, 2);
  assertIncludes(noToken.stderr, "error: a token is required");
  for (const args of [["--interval", "soon"], ["--max-attempts", "0"], ["--max-age", "forever"]]) {
    const bad = await runRelayfile(["mount", ...args], { env: { HOME: home.path } });
    assertEquals(bad.code, 2, args.join(" "));
    assertIncludes(bad.stderr, `error: option '${args[0]}`);
  }
});

Deno.test("mount --max-attempts sets the attempt budget: with 1, one 503 dead-letters the change", async () => {
  const { usingServer, WORKSPACE } = await import("../server/_server.ts");
  const { startFaultProxy } = await import("../support/fault_proxy.ts");
  await using server = await usingServer();
  await using proxy = startFaultProxy(server.server.url);
  await using home = await usingTempDir();
  const dir = join(home.path, "work");
  await Deno.mkdir(dir);
  await Deno.writeTextFile(join(dir, "a.md"), "a\n");
  proxy.rules.push({ route: "/fs/bulk", fault: { status: 503 } });
  const result = await runRelayfile(
    [
      "mount",
      dir,
      "--server",
      proxy.url,
      "--token",
      server.token,
      "--workspace",
      WORKSPACE,
      "--once",
      "--allow-non-empty",
      "--max-attempts",
      "1",
    ],
    { env: { HOME: home.path } },
  );
  assertEquals(result.code, 1, result.stderr);
  assertIncludes(result.stderr, "0 pending, 1 dead-lettered");
  assertEquals(proxy.log.filter((line) => line.includes("/fs/bulk")).length, 1);
});

/** A server that accepts connections and never answers; counts them. */
function silentServer() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const connections: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const connection of listener) connections.push(connection);
  })().catch(() => {});
  return {
    url: `http://127.0.0.1:${listener.addr.port}`,
    connections,
    async [Symbol.asyncDispose]() {
      listener.close();
      await accepting;
      connections.forEach((connection) => connection.close());
    },
  };
}

Deno.test("SIGTERM against a server that never answers stops the mount without waiting for its requests", async () => {
  await using home = await usingTempDir();
  await using server = silentServer();
  const child = relayfileCommand(
    ["mount", join(home.path, "w"), "--server", server.url, "--token", SHAPED_TOKEN, "--workspace", "ws"].concat(
      ["--request-timeout", "10m", "--drain-timeout", "1s"],
    ),
    { env: { HOME: home.path }, stdout: "null" },
  ).spawn();
  const stderr = new Response(child.stderr).text();
  await waitFor("the mount's first request", () => server.connections.length > 0);
  child.kill("SIGTERM");
  // Bounded by waitFor's limit, far below the 10-minute request timeout the mount would otherwise wait out.
  let code: number | undefined;
  child.status.then((status) => code = status.code);
  await waitFor("the mount to exit", () => code !== undefined);
  assertEquals(code, 0, await stderr);
  assertIncludes(await stderr, "SIGTERM: stopping");
});

Deno.test("mount --once fails within --request-timeout when the server does not answer", async () => {
  await using home = await usingTempDir();
  await using server = silentServer();
  const result = await runRelayfile(
    ["mount", join(home.path, "w"), "--server", server.url, "--token", SHAPED_TOKEN, "--workspace", "ws", "--once"]
      .concat(
        ["--request-timeout", "1s"],
      ),
    { env: { HOME: home.path } },
  );
  assertEquals(result.code, 3, result.stderr);
  assertIncludes(result.stderr, "no answer within 1s");
});

for (const [what, replace] of [["removed", false], ["replaced by an empty folder", true]] as const) {
  Deno.test(`a mount whose folder is ${what} stops (exit 3) and deletes nothing on the server`, async () => {
    await using data = await usingTempDir();
    await using home = await usingTempDir();
    await using serve = await startServeProcess(data.path);
    const api = apiClient(serve.url, serve.workspace, serve.token);
    const paths = ["/a.md", "/docs/b.md", "/docs/c.md"];
    await api("POST", "fs/bulk", { files: paths.map((path) => ({ path, content: `${path}\n` })) });
    const dir = join(home.path, "work");
    await using mount = boundedMount([dir, "--server", serve.url], { HOME: home.path, RELAYFILE_TOKEN: serve.token });
    await waitForFirstSync(dir);
    await Deno.remove(dir, { recursive: true });
    if (replace) await Deno.mkdir(dir);
    assertEquals((await mount.status).code, 3, await mount.stderr);
    assertIncludes(await mount.stderr, "was removed or replaced");
    const exported = (await api("GET", "fs/export?format=json&path=/")).json as { path: string }[];
    assertEquals(exported.map((file) => file.path).sort(), paths);
  });
}

Deno.test("writeback status says a mount that holds the folder but stopped answering is stuck, and exits 1", async () => {
  await using data = await usingTempDir();
  await using home = await usingTempDir();
  await using serve = await startServeProcess(data.path);
  const dir = join(home.path, "work");
  const env = { HOME: home.path, RELAYFILE_TOKEN: serve.token };
  await using mount = boundedMount([dir, "--server", serve.url], env);
  await waitForFirstSync(dir);
  assertEquals((await runRelayfile(["writeback", "status", "--dir", dir], { env })).code, 0);
  // Frozen, as a mount held by a long computation is: it keeps the folder's lock and beats no more.
  mount.child.kill("SIGSTOP");
  const lockFile = join(dir, ".relay", "mount.lock");
  const marker = JSON.parse(await Deno.readTextFile(lockFile));
  const fiveMinutesAgo = new Date(Date.now() - 5 * 60_000).toISOString();
  let stuck = { code: -1, stdout: "", stderr: "" };
  await waitFor("status to see the stopped mount", async () => {
    // Set back again each time, should a beat of its own land in the instant before the stop takes hold.
    await Deno.writeTextFile(lockFile, JSON.stringify({ ...marker, heartbeatAt: fiveMinutesAgo }) + "\n");
    stuck = await runRelayfile(["writeback", "status", "--dir", dir], { env });
    return stuck.code !== 0;
  });
  assertEquals(stuck.code, 1, stuck.stderr);
  assertIncludes(
    stuck.stdout,
    `mount: pid ${marker.pid} holds the folder but has not answered since ${fiveMinutesAgo}`,
  );
  assertIncludes(stuck.stderr, "is stuck: it neither sends nor pulls");
  const json = parseJson((await runRelayfile(["writeback", "status", "--dir", dir, "--json"], { env })).stdout);
  assertEquals((json.mirror as { nextAction: string }).nextAction, "restart-mount");
  mount.child.kill("SIGCONT");
  await waitFor(
    "the heartbeat again",
    async () => (await runRelayfile(["writeback", "status", "--dir", dir], { env })).code === 0,
  );
  mount.child.kill("SIGTERM");
  assertEquals((await mount.status).code, 0, await mount.stderr);
  assertEquals(
    (await runRelayfile(["writeback", "status", "--dir", dir], { env })).code,
    0,
    "a stopped mount is not stuck",
  );
});
