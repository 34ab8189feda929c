import { readGoOutbox } from "../../src/relay/go_outbox.ts";
import { assertEquals } from "../support/assert.ts";
import { copyFixture, usingTempDir } from "../support/temp_dir.ts";

Deno.test("readGoOutbox() turns records needing attention and attention markers into dead letters", async () => {
  await using mount = await usingTempDir();
  await copyFixture("go-outbox", mount.path);
  const outbox = await readGoOutbox(mount.path);
  assertEquals(outbox.problems, []);
  assertEquals(outbox.needsAttention.map((entry) => [entry.path, entry.lastStatus, entry.nextAction]), [
    ["/docs/big.bin", 413, "fix-payload"],
    ["/docs/rejected.md", 0, "inspect"],
  ]);
  assertEquals(outbox.needsAttention[1]?.files.map((file) => file.split("/").at(-2)), ["failed", "attention"]);
});

Deno.test("readGoOutbox() counts pending records as queued or retry-waiting, and ignores handled failures", async () => {
  await using mount = await usingTempDir();
  await copyFixture("go-outbox", mount.path);
  const outbox = await readGoOutbox(mount.path);
  assertEquals(outbox.queued.map((op) => [op.path, op.state, op.attempts]), [
    ["/docs/queued.md", "pending", 0],
    ["/docs/backoff.md", "retry_wait", 2],
  ]);
  assertEquals(outbox.queued[1]?.lastError?.status, 503);
});

Deno.test("readGoOutbox() reports an attention marker whose record is gone", async () => {
  await using mount = await usingTempDir();
  await Deno.mkdir(`${mount.path}/.relay/outbox/attention`, { recursive: true });
  await Deno.writeTextFile(`${mount.path}/.relay/outbox/attention/mountcmd_lost.marker`, "attention\n");
  const outbox = await readGoOutbox(mount.path);
  assertEquals(outbox.problems.map((problem) => problem.message), ["attention marker without an outbox record"]);
});
