import { join } from "node:path";
import { assertEquals, assertOk } from "../support/assert.ts";
import { usingTempDir } from "../support/temp_dir.ts";
import { waitFor } from "../support/wait.ts";
import { startFaultProxy } from "../support/fault_proxy.ts";
import { usingServer, WORKSPACE } from "../server/_server.ts";
import { mountReady, startMount } from "./_mount.ts";

async function setup(options: { websocket?: boolean; intervalMs?: number; maxBodyBytes?: number } = {}) {
  const { maxBodyBytes, ...mountOptions } = options;
  const server = await usingServer(maxBodyBytes ? { maxBodyBytes } : {});
  const folder = await usingTempDir();
  const mount = startMount({
    url: server.server.url,
    workspace: WORKSPACE,
    token: server.token,
    dir: join(folder.path, "mirror"),
    ...mountOptions,
  });
  const remote = server.read;
  return {
    server,
    mount,
    remote,
    [Symbol.asyncDispose]: async () => {
      await mount.stop().catch(() => {});
      await server[Symbol.asyncDispose]();
      await folder[Symbol.asyncDispose]();
    },
  };
}

Deno.test("mount pulls the workspace, binary files byte for byte, and records remoteRoot in state.json", async () => {
  const bytes = new Uint8Array([0, 1, 2, 127, 128, 254, 255]);
  await using s = await setup();
  await s.server.api("POST", "fs/bulk", {
    body: {
      files: [
        { path: "/docs/readme.md", content: "# hi\n" },
        { path: "/docs/deep/a/b/c.md", content: "deep\n" },
        { path: "/img/logo.png", content: btoa(String.fromCharCode(...bytes)), encoding: "base64" },
      ],
    },
  });
  await mountReady(s.mount);
  assertEquals(await s.mount.local("docs/readme.md"), "# hi\n");
  assertEquals(await s.mount.local("docs/deep/a/b/c.md"), "deep\n");
  assertEquals(await Deno.readFile(join(s.mount.dir, "img/logo.png")), bytes);
  const state = JSON.parse((await s.mount.local(".relay/state.json"))!);
  assertEquals([state.remoteRoot, state.workspaceId, state.status], ["/", WORKSPACE, "ready"]);
  assertEquals(state.files["/docs/readme.md"].revision, "rev_1");
});

Deno.test("local creates, updates, deletes, renames and a nested burst reach the server", async () => {
  await using s = await setup();
  await s.server.write("/docs/old.md", "old\n");
  await mountReady(s.mount);
  await s.mount.write("docs/new.md", "new\n");
  await waitFor("a local create", async () => (await s.remote("/docs/new.md")) === "new\n");
  await s.mount.write("docs/new.md", "newer\n");
  await waitFor("a local update", async () => (await s.remote("/docs/new.md")) === "newer\n");
  await Deno.rename(join(s.mount.dir, "docs/old.md"), join(s.mount.dir, "docs/renamed.md"));
  await waitFor(
    "a rename",
    async () => (await s.remote("/docs/old.md")) === undefined && (await s.remote("/docs/renamed.md")) === "old\n",
  );
  await Deno.remove(join(s.mount.dir, "docs/new.md"));
  await waitFor("a local delete", async () => (await s.remote("/docs/new.md")) === undefined);
  await Deno.mkdir(join(s.mount.dir, "burst/a/b/c"), { recursive: true });
  for (let i = 0; i < 20; i++) await Deno.writeTextFile(join(s.mount.dir, `burst/a/b/c/f${i}.md`), `${i}\n`);
  await waitFor("a nested burst", async () => {
    const exported = await s.server.api("GET", "fs/export?format=json&path=/burst");
    return exported.json.length === 20;
  });
});

Deno.test("a pattern added to .relayignore while the mount runs holds for the next file written", async () => {
  await using s = await setup();
  await mountReady(s.mount);
  await s.mount.write(".relayignore", "*.env\n");
  // Written right after: the watcher may hand both over together, or the secret first in a batch of its own.
  await s.mount.write("prod.env", "API_KEY=secret\n");
  await s.mount.write("plain.md", "plain\n");
  await waitFor("the plain file on the server", async () => (await s.remote("/plain.md")) === "plain\n");
  await waitFor("the rules read again", () => s.mount.logs.some((line) => line.startsWith("ignore rules changed")));
  assertEquals(await s.remote("/prod.env"), undefined);
  await s.mount.write(".relayignore", "");
  await waitFor("the file the rules no longer leave out", async () => (await s.remote("/prod.env")) !== undefined);
});

Deno.test("a folder moved into the mount is picked up though the watcher reports no files inside it", async () => {
  await using s = await setup();
  await using outside = await usingTempDir();
  await mountReady(s.mount);
  await Deno.mkdir(join(outside.path, "pack/inner"), { recursive: true });
  await Deno.writeTextFile(join(outside.path, "pack/inner/a.md"), "moved in\n");
  await Deno.rename(join(outside.path, "pack"), join(s.mount.dir, "pack"));
  await waitFor("the moved-in folder's file", async () => (await s.remote("/pack/inner/a.md")) === "moved in\n");
});

Deno.test("remote creates, updates and deletes reach the folder over the WebSocket", async () => {
  await using s = await setup();
  await mountReady(s.mount);
  await s.server.write("/docs/remote.md", "v1\n");
  await waitFor("a remote create", async () => (await s.mount.local("docs/remote.md")) === "v1\n");
  await s.server.write("/docs/remote.md", "v2\n");
  await waitFor("a remote update", async () => (await s.mount.local("docs/remote.md")) === "v2\n");
  const revision = (await s.server.api("GET", "fs/file?path=/docs/remote.md")).json.revision;
  await s.server.api("DELETE", "fs/file?path=/docs/remote.md", { headers: { "if-match": revision } });
  await waitFor("a remote delete", async () => (await s.mount.local("docs/remote.md")) === undefined);
});

Deno.test("a change announced over the WebSocket is read at once, before the events pull that follows", async () => {
  const requests: string[] = [];
  await using server = await usingServer({ log: (line) => requests.push(line) });
  await using folder = await usingTempDir();
  const dir = join(folder.path, "mirror");
  await using mount = startMount({ url: server.server.url, workspace: WORKSPACE, token: server.token, dir });
  await mountReady(mount);
  const listening = async () =>
    JSON.parse(await Deno.readTextFile(join(dir, ".relay/state.json"))).eventListener.status === "listening";
  await waitFor("the WebSocket", listening);
  requests.length = 0;
  await server.write("/docs/announced.md", "fresh\n");
  await waitFor("the change in the folder", async () => (await mount.local("docs/announced.md")) === "fresh\n");
  await waitFor("the events pull", () => Promise.resolve(requests.some((line) => line.includes("/fs/events "))));
  const reads = requests.filter((line) => /\/fs\/(events|bulk-read) /.test(line)).map((line) => line.split(" ")[1]);
  assertEquals(reads[0]?.endsWith("/fs/bulk-read"), true, `the first read was ${reads[0]}`);
});

Deno.test("a pull that fails while the WebSocket is up is tried again on its own: the change arrives", async () => {
  await using server = await usingServer();
  await using proxy = startFaultProxy(server.server.url, { websocket: true });
  await using folder = await usingTempDir();
  const dir = join(folder.path, "mirror");
  await using mount = startMount({ url: proxy.url, workspace: WORKSPACE, token: server.token, dir });
  await mountReady(mount);
  const listening = async () =>
    JSON.parse(await Deno.readTextFile(join(dir, ".relay/state.json"))).eventListener.status === "listening";
  await waitFor("the WebSocket", listening);
  // The announced read fails, and the events pull fails more times than the client retries a read.
  proxy.rules.push({ route: "/fs/bulk-read", times: 4, fault: { status: 503 } });
  proxy.rules.push({ route: "GET /v1/workspaces/ws_test/fs/events", times: 4, fault: { status: 503 } });
  await server.write("/docs/late.md", "late\n");
  await waitFor("the change in the folder", async () => (await mount.local("docs/late.md")) === "late\n");
  assertEquals(
    proxy.log.filter((line) => / \/v1\/workspaces\/ws_test\/fs\/(events|bulk-read) -> 503/.test(line)).length,
    8,
  );
});

Deno.test("remote changes reach the folder by polling when the WebSocket is off", async () => {
  await using s = await setup({ websocket: false, intervalMs: 200 });
  await mountReady(s.mount);
  await s.server.write("/polled.md", "polled\n");
  await waitFor("a polled remote create", async () => (await s.mount.local("polled.md")) === "polled\n");
  const state = JSON.parse((await s.mount.local(".relay/state.json"))!);
  assertEquals(state.eventListener, { mode: "poll", status: "polling" });
});

Deno.test("a change on both sides keeps the local bytes as a conflict copy and takes the server's", async () => {
  await using s = await setup({ websocket: false, intervalMs: 60_000 });
  await s.server.write("/docs/c.md", "base\n");
  await mountReady(s.mount);
  await s.server.write("/docs/c.md", "theirs\n"); // not pulled: no WebSocket, a long interval
  await s.mount.write("docs/c.md", "mine\n"); // sent with If-Match rev_1: the server has rev_2
  const copy = join(s.mount.dir, ".relay/conflicts/docs/c.md.rev_1.local");
  await waitFor("the conflict copy", async () => (await Deno.readTextFile(copy).catch(() => "")) === "mine\n");
  await waitFor("the server's version locally", async () => (await s.mount.local("docs/c.md")) === "theirs\n");
  assertEquals(await s.remote("/docs/c.md"), "theirs\n", "the server's version was not overwritten");
  await waitFor("the conflict in state.json", async () => {
    const state = JSON.parse((await s.mount.local(".relay/state.json"))!);
    return state.status === "conflict" && state.files["/docs/c.md"].status === "conflict";
  });
});

Deno.test("binary files written locally reach the server byte for byte", async () => {
  await using s = await setup();
  await mountReady(s.mount);
  const bytes = crypto.getRandomValues(new Uint8Array(4096));
  await Deno.writeFile(join(s.mount.dir, "blob.bin"), bytes);
  await waitFor("the binary upload", async () => (await s.remote("/blob.bin")) !== undefined);
  const file = (await s.server.api("GET", "fs/file?path=/blob.bin")).json;
  assertEquals(file.encoding, "base64");
  assertEquals(Uint8Array.from(atob(file.content), (c) => c.charCodeAt(0)), bytes);
});

Deno.test("large files, sent as they are encoded, reach the server byte for byte: binary and escaped text", async () => {
  await using s = await setup({ maxBodyBytes: 16 << 20 });
  await mountReady(s.mount);
  const binary = Uint8Array.from({ length: 3_000_001 }, (_, i) => (i * 7919 + (i >> 9)) % 256);
  const text = 'a "quoted" line with a \\ backslash, a tab\t, é and 𝄞\n'.repeat(40_000);
  await Deno.writeFile(join(s.mount.dir, "large.bin"), binary);
  await Deno.writeTextFile(join(s.mount.dir, "large.md"), text);
  // The files are written in place, so the mount may send a part first (read while the write went on): wait for all.
  const binaryAsSent = binary.toBase64();
  await waitFor(
    "both files whole on the server",
    async () => (await s.remote("/large.bin")) === binaryAsSent && (await s.remote("/large.md")) === text,
  );
  const stored = (await s.server.api("GET", "fs/file?path=/large.bin")).json;
  assertEquals(stored.encoding, "base64");
  assertEquals(Uint8Array.fromBase64(stored.content), binary);
  const storedText = (await s.server.api("GET", "fs/file?path=/large.md")).json;
  assertEquals(storedText.encoding ?? "", "");
  assertEquals(storedText.content, text);
});

Deno.test("large remote files come down byte for byte, each read on its own as it streams in", async () => {
  const maxBodyBytes = 32 << 20;
  const requests: string[] = [];
  await using server = await usingServer({ maxBodyBytes, log: (line) => requests.push(line) });
  const binary = Uint8Array.from({ length: 5_000_001 }, (_, i) => (i * 7919 + (i >> 9)) % 256);
  const text = 'a "quoted" line with a \\ backslash, <html> & é 𝄞\n'.repeat(120_000);
  const written = await server.api("POST", "fs/bulk", {
    body: {
      files: [
        { path: "/big/large.bin", content: binary.toBase64(), encoding: "base64" },
        { path: "/big/large.md", content: text },
        { path: "/small.md", content: "small" },
      ],
    },
  });
  assertEquals(written.status, 202, written.text);
  await using folder = await usingTempDir();
  const mount = startMount({
    url: server.server.url,
    workspace: WORKSPACE,
    token: server.token,
    dir: join(folder.path, "mirror"),
  });
  try {
    await mountReady(mount);
    assertEquals(await Deno.readFile(join(mount.dir, "big/large.bin")), binary);
    assertEquals(await Deno.readTextFile(join(mount.dir, "big/large.md")), text);
    assertEquals(await Deno.readTextFile(join(mount.dir, "small.md")), "small");
    assertEquals(requests.filter((line) => line.startsWith("GET /v1/workspaces/ws_test/fs/file ")).length, 2);
    assertEquals(requests.filter((line) => line.includes("fs/export")).length, 0);
  } finally {
    await mount.stop();
  }
});

Deno.test("a large file changed on the server while mounted is read again on its own, not in a batch", async () => {
  const requests: string[] = [];
  await using server = await usingServer({ maxBodyBytes: 64 << 20, log: (line) => requests.push(line) });
  await using folder = await usingTempDir();
  await using mount = startMount({
    url: server.server.url,
    workspace: WORKSPACE,
    token: server.token,
    dir: join(folder.path, "mirror"),
  });
  await mountReady(mount);
  const binary = Uint8Array.from({ length: 20_000_000 }, (_, i) => (i * 131 + (i >> 11)) % 256);
  requests.length = 0;
  const written = await server.api("POST", "fs/bulk", {
    body: { files: [{ path: "/later/large.bin", content: binary.toBase64(), encoding: "base64" }] },
  });
  assertEquals(written.status, 202, written.text);
  const path = join(mount.dir, "later/large.bin");
  await waitFor("the large file", async () => (await Deno.stat(path).catch(() => undefined))?.size === binary.length);
  assertEquals(await Deno.readFile(path), binary);
  assertOk(requests.some((line) => line.startsWith("GET /v1/workspaces/ws_test/fs/file ")), requests.join("\n"));
});

Deno.test("2,000 files created locally at once all land on the server", async () => {
  await using s = await setup();
  await mountReady(s.mount);
  for (let dir = 0; dir < 20; dir++) {
    await Deno.mkdir(join(s.mount.dir, `many/d${dir}`), { recursive: true });
    await Promise.all(
      Array.from(
        { length: 100 },
        (_, i) => Deno.writeTextFile(join(s.mount.dir, `many/d${dir}/f${i}.md`), `file ${dir}-${i}\n`),
      ),
    );
  }
  await waitFor("2,000 files on the server", async () => {
    const exported = await s.server.api("GET", "fs/export?format=json&path=/many");
    return exported.json.length === 2000;
  }, { timeoutMs: 60_000 });
  const exported = (await s.server.api("GET", "fs/export?format=json&path=/many")).json;
  assertOk(exported.every((file: { path: string; content: string }) => {
    const [, dir, name] = /\/many\/d(\d+)\/f(\d+)\.md$/.exec(file.path)!;
    return file.content === `file ${dir}-${name}\n`;
  }));
  const summary = await s.mount.stop();
  assertEquals([summary.pending, summary.deadLettered], [0, 0]);
});
