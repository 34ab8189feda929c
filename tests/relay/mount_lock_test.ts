import { join } from "node:path";
import { MountBusyError } from "../../src/lib/errors.ts";
import { acquireMountLock, readDaemonMarker } from "../../src/relay/mount_lock.ts";
import { assertEquals, assertRejects } from "../support/assert.ts";
import { usingTempDir } from "../support/temp_dir.ts";

const marker = (pid: number) => ({ pid, startedAt: "2026-11-29T00:00:00Z", heartbeatAt: new Date().toISOString() });

Deno.test("a second lock on a folder is refused, naming the pid that holds it", async () => {
  await using dir = await usingTempDir();
  const first = await acquireMountLock(dir.path, marker(101));
  try {
    const refused = await assertRejects(() => acquireMountLock(dir.path, marker(202)), MountBusyError);
    assertEquals(refused.message, `another relayfile mount (pid 101) is running on ${dir.path}`);
  } finally {
    await first.release();
  }
  const again = await acquireMountLock(dir.path, marker(303));
  await again.release();
});

Deno.test("a .relay/ removed under a mount: its next beat takes the lock again, and a second mount is refused", async () => {
  await using dir = await usingTempDir();
  const running = await acquireMountLock(dir.path, marker(101));
  try {
    await Deno.remove(join(dir.path, ".relay"), { recursive: true });
    await running.beat(marker(101));
    assertEquals((await readDaemonMarker(dir.path))?.pid, 101);
    await assertRejects(() => acquireMountLock(dir.path, marker(202)), MountBusyError);
  } finally {
    await running.release();
  }
});

Deno.test("a mount whose folder another mount took meanwhile is told at its beat, and leaves the other's lock alone", async () => {
  await using dir = await usingTempDir();
  const first = await acquireMountLock(dir.path, marker(101));
  await Deno.remove(join(dir.path, ".relay"), { recursive: true });
  const second = await acquireMountLock(dir.path, marker(202));
  try {
    const lost = await assertRejects(() => first.beat(marker(101)), MountBusyError);
    assertEquals(lost.message, `another relayfile mount (pid 202) is running on ${dir.path}`);
    await first.release();
    assertEquals((await readDaemonMarker(dir.path))?.pid, 202, "the second mount's lock file is still there");
    await assertRejects(() => acquireMountLock(dir.path, marker(303)), MountBusyError);
  } finally {
    await second.release();
  }
});
