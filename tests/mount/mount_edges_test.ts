import { join } from "node:path";
import { fixedToken, runMount } from "../../src/mount/mod.ts";
import { LARGEST_LOCAL_FILE_BYTES } from "../../src/mount/local_fs.ts";
import { assertEquals, assertOk, assertRejects } from "../support/assert.ts";
import { exists, usingTempDir } from "../support/temp_dir.ts";
import { waitFor } from "../support/wait.ts";
import { parseJson, runRelayfile } from "../support/cli.ts";
import { usingServer, WORKSPACE } from "../server/_server.ts";
import { mountReady, startMount } from "./_mount.ts";

const once = (url: string, token: string, dir: string, log: string[] = []) =>
  runMount({
    mountDir: dir,
    server: url,
    workspace: WORKSPACE,
    remoteRoot: "/",
    tokens: fixedToken(token),
    intervalMs: 60_000,
    websocket: false,
    once: true,
    drainTimeoutMs: 5_000,
    signal: new AbortController().signal,
    log: (line) => log.push(line),
  });

Deno.test("remote paths that would leave the folder are skipped and reported; the rest is mounted", async () => {
  await using work = await usingTempDir();
  const outside = join(work.path, "outside");
  const mountDir = join(work.path, "mirror");
  await Deno.mkdir(outside);
  await Deno.mkdir(mountDir);
  await Deno.symlink(outside, join(mountDir, "link"));
  const hostile = [
    { path: "/ok.md", revision: "rev_1", content: "fine\n" },
    { path: "/../escape.md", revision: "rev_2", content: "out\n" },
    { path: "/a/../../escape2.md", revision: "rev_3", content: "out\n" },
    { path: "/.relay/state.json", revision: "rev_4", content: "{}" },
    { path: "/.git/config", revision: "rev_5", content: "[core]" },
    { path: "/link/through-symlink.md", revision: "rev_6", content: "out\n" },
    { path: "/nul\u0000.md", revision: "rev_7", content: "x" },
  ];
  // A real server that hands out what a hostile or broken server could: ours refuses to store such paths.
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const url = new URL(request.url);
    if (url.pathname.endsWith("/fs/export")) return Response.json(hostile);
    if (url.pathname.endsWith("/fs/events")) return Response.json({ events: [], nextCursor: null });
    return Response.json({ code: "not_found", message: "route not found" }, { status: 404 });
  });
  try {
    const log: string[] = [];
    await once(`http://127.0.0.1:${server.addr.port}`, "t", mountDir, log);
    assertEquals(await Deno.readTextFile(join(mountDir, "ok.md")), "fine\n");
    assertEquals([...Deno.readDirSync(outside)], [], "nothing was written through the symlink");
    assertEquals(await exists(join(work.path, "escape.md")), false);
    assertEquals(await exists(join(mountDir, ".git")), false);
    const state = JSON.parse(await Deno.readTextFile(join(mountDir, ".relay/state.json")));
    assertEquals(state.remoteRoot, "/", "the mount's own state was not overwritten");
    assertEquals(state.rejectedRemotePaths, 6);
    assertEquals(log.filter((line) => line.startsWith("skipped")).length, 6);
  } finally {
    await server.shutdown();
  }
});

Deno.test("a restarted mount resumes from its events cursor instead of pulling everything again", async () => {
  const requests: string[] = [];
  await using server = await usingServer({ log: (line) => requests.push(line) });
  await using work = await usingTempDir();
  const dir = join(work.path, "mirror");
  await server.write("/a.md", "a\n");
  await once(server.server.url, server.token, dir);
  await server.write("/b.md", "written while the mount was down\n");
  requests.length = 0;
  await once(server.server.url, server.token, dir);
  assertEquals(await Deno.readTextFile(join(dir, "b.md")), "written while the mount was down\n");
  assertEquals(requests.filter((line) => line.includes("/fs/export")), [], "no full pull on restart");
  assertOk(requests.some((line) => line.includes("/fs/events")));
});

Deno.test("a file deleted and made again locally between two pulls stays: the pull does not replay the delete", async () => {
  await using server = await usingServer();
  await using work = await usingTempDir();
  const dir = join(work.path, "mirror");
  await server.write("/a.md", "first\n");
  const remote = () => server.read("/a.md");
  // Polling with a long interval: no pull runs while the delete and the new file go up.
  const mount = startMount({
    url: server.server.url,
    workspace: WORKSPACE,
    token: server.token,
    dir,
    websocket: false,
  });
  await mountReady(mount);
  await Deno.remove(join(dir, "a.md"));
  await waitFor("the delete to reach the server", async () => (await remote()) === undefined);
  await mount.write("a.md", "made again\n");
  await waitFor("the new file to reach the server", async () => (await remote()) === "made again\n");
  await mount.stop();
  // The next pull reads both events, the delete and our own create, from the cursor.
  await once(server.server.url, server.token, dir);
  assertEquals(await Deno.readTextFile(join(dir, "a.md")).catch(() => undefined), "made again\n");
});

Deno.test("with a read-only token a local edit is restored once from the server and never sent", async () => {
  const requests: string[] = [];
  await using server = await usingServer({ log: (line) => requests.push(line) });
  await using work = await usingTempDir();
  await server.write("/docs/r.md", "server copy\n");
  const readOnly = await server.server.mintToken({ workspace: WORKSPACE, scopes: ["fs:read"] });
  await using mount = startMount({
    url: server.server.url,
    workspace: WORKSPACE,
    token: readOnly,
    dir: join(work.path, "m"),
  });
  await mountReady(mount);
  requests.length = 0;
  const file = join(mount.dir, "docs/r.md");
  assertEquals((await Deno.stat(file)).mode! & 0o777, 0o444, "read-only files are mounted read-only");
  await Deno.chmod(file, 0o644);
  await Deno.writeTextFile(file, "local edit\n");
  await waitFor("the restore", async () => (await mount.local("docs/r.md")) === "server copy\n");
  // Stopping drains the outbox: whatever the mount had queued would be sent by the time stop() returns.
  const summary = await mount.stop();
  assertEquals([summary.pending, summary.deadLettered], [0, 0]);
  assertEquals(requests.filter((line) => line.startsWith("POST") && line.includes("/fs/bulk ")), []);
  assertEquals(
    requests.filter((line) => line.includes("/fs/file") && line.startsWith("GET")).length,
    1,
    "restored once",
  );
  assertOk(mount.logs.some((line) => line.startsWith("WRITE_REVERTED /docs/r.md")));
});

Deno.test("a remote name the folder cannot hold is skipped and reported; the rest, later deletes included, syncs", async () => {
  await using server = await usingServer();
  await using work = await usingTempDir();
  const long = `/long/${"x".repeat(300)}.md`;
  for (
    const [path, content] of [[long, "long\n"], ["/docs", "a file\n"], ["/docs/a.md", "in a folder\n"], [
      "/ok.md",
      "ok\n",
    ]]
  ) {
    await server.write(path!, content!);
  }
  await using mount = startMount({
    url: server.server.url,
    workspace: WORKSPACE,
    token: server.token,
    dir: join(work.path, "m"),
  });
  await mountReady(mount);
  assertEquals(await mount.local("ok.md"), "ok\n");
  // Later remote changes still arrive, also after the skipped path changes again (its folder now exists, so even
  // looking at it fails): the cursor moves past it.
  await server.write(long, "long, again\n");
  const ok = await server.api("GET", "fs/file?path=/ok.md");
  await server.api("DELETE", "fs/file?path=/ok.md", { headers: { "if-match": ok.json.revision } });
  await server.write("/later.md", "later\n");
  await waitFor(
    "the later remote changes",
    async () => (await mount.local("ok.md")) === undefined && (await mount.local("later.md")) === "later\n",
  );
  await waitFor("the skipped paths in state.json", async () => {
    const state = JSON.parse((await mount.local(".relay/state.json"))!);
    return state.skippedRemotePaths?.length === 2;
  });
  const status = await runRelayfile(["writeback", "status", "--json", "--dir", mount.dir]);
  assertEquals(status.code, 1, status.stdout);
  const mirror = parseJson(status.stdout).mirror as {
    skippedRemotePaths: { path: string; reason: string }[];
    nextAction: string;
  };
  const skipped = mirror.skippedRemotePaths.map((entry) => entry.path);
  assertOk(skipped.includes(long), JSON.stringify(mirror));
  assertOk(skipped.includes("/docs") !== skipped.includes("/docs/a.md"), "one side of the file/folder clash");
  assertEquals(mirror.nextAction, "rename-remote");
  assertOk(mirror.skippedRemotePaths.every((entry) => entry.reason !== ""));
});

Deno.test("a synced file replaced by a folder of its name is deleted on the server and the folder's files sent", async () => {
  await using server = await usingServer();
  await using work = await usingTempDir();
  await server.write("/clash", "a file\n");
  await server.write("/linked.md", "a file, then a symlink\n");
  await using mount = startMount({
    url: server.server.url,
    workspace: WORKSPACE,
    token: server.token,
    dir: join(work.path, "m"),
  });
  await mountReady(mount);
  await Deno.remove(join(mount.dir, "clash"));
  await mount.write("clash/in.md", "inside the folder\n");
  await Deno.remove(join(mount.dir, "linked.md"));
  await Deno.symlink(join(work.path, "elsewhere.md"), join(mount.dir, "linked.md"));
  await waitFor("the folder's file on the server", async () => (await server.read("/clash/in.md")) !== undefined);
  await waitFor("the replaced file deleted", async () => (await server.read("/clash")) === undefined);
  await waitFor("the file replaced by a symlink deleted", async () => (await server.read("/linked.md")) === undefined);
  const summary = await mount.stop();
  assertEquals([summary.pending, summary.deadLettered], [0, 0]);
});

Deno.test("a mount whose .relay/ is removed and its folder taken by another mount stops, leaving that one's lock", async () => {
  const { acquireMountLock, readDaemonMarker } = await import("../../src/relay/mount_lock.ts");
  const { MountBusyError } = await import("../../src/lib/errors.ts");
  await using server = await usingServer();
  await using work = await usingTempDir();
  const mount = startMount({
    url: server.server.url,
    workspace: WORKSPACE,
    token: server.token,
    dir: join(work.path, "m"),
  });
  await mountReady(mount);
  const marker = { pid: 4242, startedAt: new Date().toISOString(), heartbeatAt: new Date().toISOString() };
  let other;
  // The running mount takes its lock again at each beat: the other one must come in between.
  while (!other) {
    await Deno.remove(join(mount.dir, ".relay"), { recursive: true });
    other = await acquireMountLock(mount.dir, marker).catch((error) => {
      if (error instanceof MountBusyError) return undefined;
      throw error;
    });
  }
  try {
    await waitFor(
      "the mount to see its lock taken",
      () => mount.logs.some((line) => line.startsWith("stopping: another")),
    );
    await assertRejects(() => mount.stop(), MountBusyError, "another relayfile mount (pid 4242) is running");
    assertEquals((await readDaemonMarker(mount.dir))?.pid, 4242);
  } finally {
    await other.release();
  }
});

Deno.test("a local name the server would read as another path is not sent, is listed by status, and goes once renamed", async () => {
  const requests: string[] = [];
  await using server = await usingServer({ log: (line) => requests.push(line) });
  await using work = await usingTempDir();
  const dir = join(work.path, "m");
  await Deno.mkdir(dir);
  await once(server.server.url, server.token, dir);
  await Deno.writeTextFile(join(dir, "back\\slash.md"), "a backslash in its name\n");
  // Not valid UTF-8: only a shell can make such a name here.
  await new Deno.Command("sh", { args: ["-c", `printf 'kept\\n' > "$1/$(printf 'bad\\377name.md')"`, "sh", dir] })
    .output();
  requests.length = 0;
  const logs: string[] = [];
  for (let scan = 0; scan < 3; scan++) await once(server.server.url, server.token, dir, logs);
  assertEquals(requests.filter((line) => line.startsWith("POST") || line.startsWith("DELETE")), [], "nothing sent");
  assertEquals(await server.read("/back/slash.md"), undefined);
  assertOk(logs.some((line) => line.startsWith("not sending back\\slash.md: a backslash")), logs.join("\n"));
  const status = await runRelayfile(["writeback", "status", "--json", "--dir", dir]);
  assertEquals(status.code, 1, status.stdout);
  const mirror = parseJson(status.stdout).mirror as { skippedLocalPaths: { path: string }[]; nextAction: string };
  assertEquals(mirror.nextAction, "fix-local");
  assertEquals(mirror.skippedLocalPaths.map((entry) => entry.path), ["back\\slash.md", "bad\uFFFDname.md"]);
  await Deno.rename(join(dir, "back\\slash.md"), join(dir, "back-slash.md"));
  await new Deno.Command("sh", { args: ["-c", `rm "$1"/bad*name.md`, "sh", dir] }).output();
  await once(server.server.url, server.token, dir);
  assertEquals(await server.read("/back-slash.md"), "a backslash in its name\n");
  const after = await runRelayfile(["writeback", "status", "--json", "--dir", dir]);
  assertEquals(after.code, 0, after.stdout);
});

Deno.test("a local file over 64 MiB is not read or sent, the server's change to it does not replace it, and it goes once small", async () => {
  const requests: string[] = [];
  await using server = await usingServer({ log: (line) => requests.push(line) });
  await using work = await usingTempDir();
  const dir = join(work.path, "m");
  await server.write("/shared.md", "v1\n");
  await once(server.server.url, server.token, dir);
  const tooLarge = LARGEST_LOCAL_FILE_BYTES + 1;
  // Sparse: no disk, and reading either would take 64 MiB here and a 413 from the server (its limit is 1 MiB).
  await Deno.writeTextFile(join(dir, "huge.md"), "");
  await Deno.truncate(join(dir, "huge.md"), tooLarge);
  await Deno.truncate(join(dir, "shared.md"), tooLarge);
  await server.write("/shared.md", "v2 from the server\n");
  requests.length = 0;
  const logs: string[] = [];
  await once(server.server.url, server.token, dir, logs);
  assertEquals(requests.filter((line) => /^(POST \S+\/fs\/bulk |DELETE)/.test(line)), [], "nothing sent");
  assertEquals(await server.read("/huge.md"), undefined);
  assertEquals(await server.read("/shared.md"), "v2 from the server\n");
  assertEquals((await Deno.stat(join(dir, "shared.md"))).size, tooLarge, "the local file is not replaced");
  assertOk(logs.some((line) => line.startsWith("not sending huge.md: larger than the 64 MiB")), logs.join("\n"));
  assertOk(logs.some((line) => line.startsWith("not taking the server's /shared.md")), logs.join("\n"));
  const status = await runRelayfile(["writeback", "status", "--json", "--dir", dir]);
  assertEquals(status.code, 1, status.stdout);
  const mirror = parseJson(status.stdout).mirror as { skippedLocalPaths: { path: string }[]; nextAction: string };
  assertEquals(mirror.nextAction, "fix-local");
  assertEquals(mirror.skippedLocalPaths.map((entry) => entry.path), ["huge.md", "shared.md"]);
  await Deno.writeTextFile(join(dir, "huge.md"), "small now\n");
  await once(server.server.url, server.token, dir);
  assertEquals(await server.read("/huge.md"), "small now\n");
  const after = parseJson((await runRelayfile(["writeback", "status", "--json", "--dir", dir])).stdout);
  assertEquals((after.mirror as typeof mirror).skippedLocalPaths.map((entry) => entry.path), ["shared.md"]);
});

Deno.test("a remote file that became a folder, and a folder that became a file, are mirrored by the next pull", async () => {
  await using server = await usingServer();
  await using work = await usingTempDir();
  const dir = join(work.path, "m");
  await server.write("/clash", "a file\n");
  await server.write("/dir/a.md", "in a folder\n");
  await once(server.server.url, server.token, dir);
  const remove = async (path: string) => {
    const { json } = await server.api("GET", `fs/file?path=${path}`);
    await server.api("DELETE", `fs/file?path=${path}`, { headers: { "if-match": json.revision } });
  };
  await remove("/clash");
  await server.write("/clash/in.md", "now in a folder\n");
  await remove("/dir/a.md");
  await server.write("/dir", "now a file\n");
  const log: string[] = [];
  await once(server.server.url, server.token, dir, log);
  assertEquals(await Deno.readTextFile(join(dir, "clash/in.md")), "now in a folder\n");
  assertEquals(await Deno.readTextFile(join(dir, "dir")), "now a file\n");
  assertEquals(log.filter((line) => line.startsWith("skipped")), []);
});

Deno.test("a mount removes the payload copies that no op and no dead letter needs any more", async () => {
  await using server = await usingServer();
  await using work = await usingTempDir();
  const dir = join(work.path, "m");
  await once(server.server.url, server.token, dir);
  const orphan = join(dir, ".relay", "blobs", "c".repeat(64));
  await Deno.mkdir(join(dir, ".relay", "blobs"), { recursive: true });
  await Deno.writeTextFile(orphan, "a version delivered long ago");
  const anHourAgo = new Date(Date.now() - 3_600_000);
  await Deno.utime(orphan, anHourAgo, anHourAgo);
  await once(server.server.url, server.token, dir);
  assertEquals(await exists(orphan), false);
});

Deno.test("the temp file of a write cut short by a kill is removed by the next mount, and never sent", async () => {
  await using server = await usingServer();
  await using work = await usingTempDir();
  const dir = join(work.path, "m");
  await once(server.server.url, server.token, dir);
  await Deno.mkdir(join(dir, "docs"), { recursive: true });
  const leftover = join(dir, "docs", `.relayfile-tmp-${crypto.randomUUID()}`);
  const writing = join(dir, `.relayfile-tmp-${crypto.randomUUID()}`);
  await Deno.writeTextFile(leftover, "half a file");
  await Deno.writeTextFile(writing, "a write going on now");
  const anHourAgo = new Date(Date.now() - 3_600_000);
  await Deno.utime(leftover, anHourAgo, anHourAgo);
  await once(server.server.url, server.token, dir);
  assertEquals(await exists(leftover), false);
  assertEquals(await exists(writing), true, "a temp file younger than a minute may be a write still going on");
  const listed = await server.api("GET", "fs/tree?path=/&depth=10");
  assertEquals(listed.json.entries.filter((entry: { path: string }) => entry.path.includes("relayfile-tmp")), []);
});
