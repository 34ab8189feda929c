/**
 * kill -9 in the middle of a burst loses no local change, and the server applies none twice: ops are persisted
 * before they are sent and replayed with the same content identity; files the crash caught before they were queued
 * are found by the restart's scan, and a create the server already has is adopted, not written again.
 */
import { join } from "node:path";
import { assertEquals, assertOk } from "../support/assert.ts";
import { relayfileCommand, runRelayfile } from "../support/cli.ts";
import { usingTempDir } from "../support/temp_dir.ts";
import { waitFor, waitForFirstSync } from "../support/wait.ts";
import { usingServer, WORKSPACE } from "../server/_server.ts";

const FILES = 500;

Deno.test("a mount killed with SIGKILL mid-burst, restarted, has all 500 files on the server exactly once", async () => {
  await using server = await usingServer();
  await using home = await usingTempDir();
  const dir = join(home.path, "work");
  const args = ["mount", dir, "--server", server.server.url, "--token", server.token, "--workspace", WORKSPACE];
  const child = relayfileCommand(args, { env: { HOME: home.path }, stdout: "null", stderr: "null" }).spawn();
  try {
    await waitForFirstSync(dir);
    await Deno.mkdir(join(dir, "burst"));
    for (let start = 0; start < FILES; start += 50) {
      await Promise.all(
        Array.from(
          { length: 50 },
          (_, i) => Deno.writeTextFile(join(dir, `burst/f${start + i}.md`), `content ${start + i}\n`),
        ),
      );
    }
    // Kill as soon as the burst is under way: some ops sent, some persisted only, some not even queued.
    await waitFor("the burst to start landing", () => server.server.store.listFiles(WORKSPACE, "/burst").length > 0, {
      intervalMs: 5,
    });
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
  const landedBeforeRestart = server.server.store.listFiles(WORKSPACE, "/burst").length;

  const restarted = await runRelayfile([...args, "--once"], { env: { HOME: home.path } });
  assertEquals(restarted.code, 0, restarted.stderr);

  const files = server.server.store.listFiles(WORKSPACE, "/burst");
  assertEquals(files.length, FILES, `only ${landedBeforeRestart} had landed before the kill`);
  for (const file of files) {
    const n = /\/f(\d+)\.md$/.exec(file.path)![1];
    assertEquals(file.content, `content ${n}\n`);
  }
  const events = server.server.store.listEvents(WORKSPACE, { limit: 10_000 }).events
    .filter((event) => event.path.startsWith("/burst/"));
  assertEquals(events.filter((event) => event.type !== "file.created"), [], "no file was written twice");
  assertEquals(new Set(events.map((event) => event.path)).size, FILES);
  assertEquals(events.length, FILES);
  const conflicts = await Deno.stat(join(dir, ".relay/conflicts")).then(
    () => [...Deno.readDirSync(join(dir, ".relay/conflicts"))],
    () => [],
  );
  assertEquals(conflicts, [], "adopting what the server already had made no conflict copies");
  assertOk(landedBeforeRestart < FILES, "the kill came mid-burst");
});
