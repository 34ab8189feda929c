import { join } from "node:path";
import { startServer } from "../../src/server/mod.ts";
import { assertEquals } from "../support/assert.ts";
import { usingTempDir } from "../support/temp_dir.ts";
import { waitFor } from "../support/wait.ts";
import { usingServer, WORKSPACE } from "../server/_server.ts";
import { mountReady, startMount } from "./_mount.ts";

Deno.test("a 10,000-file workspace comes down completely", async () => {
  await using server = await usingServer();
  await using work = await usingTempDir();
  for (let batch = 0; batch < 40; batch++) {
    const files = Array.from({ length: 250 }, (_, i) => {
      const n = batch * 250 + i;
      return { path: `/big/d${n % 100}/f${n}.md`, content: `file ${n}\n` };
    });
    assertEquals((await server.api("POST", "fs/bulk", { body: { files } })).json.written, 250);
  }
  await using mount = startMount({
    url: server.server.url,
    workspace: WORKSPACE,
    token: server.token,
    dir: join(work.path, "m"),
  });
  await mountReady(mount);
  let count = 0;
  for (let d = 0; d < 100; d++) count += [...Deno.readDirSync(join(mount.dir, `big/d${d}`))].length;
  assertEquals(count, 10_000);
  assertEquals(await mount.local("big/d42/f9942.md"), "file 9942\n");
  const state = JSON.parse((await mount.local(".relay/mount-state.json"))!);
  assertEquals(Object.keys(state.files).length, 10_000);
});

Deno.test("after the server goes away and comes back, the WebSocket reconnects and catches up through the cursor", async () => {
  await using work = await usingTempDir();
  const dataDir = join(work.path, "data");
  const first = await startServer({ dataDir, port: 0 });
  const port = first.port;
  const token = await first.mintToken({ workspace: WORKSPACE });
  const write = async (server: { url: string }, path: string, content: string) => {
    const response = await fetch(`${server.url}/v1/workspaces/${WORKSPACE}/fs/bulk`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "x-correlation-id": "test" },
      body: JSON.stringify({ files: [{ path, content }] }),
    });
    await response.body?.cancel();
  };
  await write(first, "/before.md", "before\n");
  await using mount = startMount({ url: first.url, workspace: WORKSPACE, token, dir: join(work.path, "m") });
  await mountReady(mount);
  assertEquals(await mount.local("before.md"), "before\n");
  await first.close();
  const second = await startServer({ dataDir, port });
  try {
    await write(second, "/during-the-gap.md", "written while the socket was down\n");
    await waitFor(
      "the change made during the gap",
      async () => (await mount.local("during-the-gap.md")) === "written while the socket was down\n",
    );
    await waitFor("the socket to be back", async () => {
      const state = JSON.parse((await mount.local(".relay/state.json"))!);
      return state.eventListener.status === "listening";
    });
    await write(second, "/after.md", "live again\n");
    await waitFor("a live change after the reconnect", async () => (await mount.local("after.md")) === "live again\n");
  } finally {
    await mount.stop();
    await second.close();
  }
});
