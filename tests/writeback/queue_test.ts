/** The writeback queue on its own: a fake transport, a real outbox in a temp folder, fake time where time matters. */
import { join } from "node:path";
import { HttpError, NetworkError } from "../../src/remote/errors.ts";
import { WritebackQueue } from "../../src/writeback/queue.ts";
import { assertEquals, assertOk } from "../support/assert.ts";
import { FakeTransport } from "../support/fake_transport.ts";
import { fakeTime } from "../support/fake_time.ts";
import { usingTempDir } from "../support/temp_dir.ts";
import { change, queueFor } from "./_queue.ts";

async function outboxFiles(mountDir: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(join(mountDir, ".relay/outbox")))).map((entry) => entry.name).sort();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

Deno.test("WritebackQueue.enqueue() persists each op in the outbox before its request is sent", async () => {
  await using dir = await usingTempDir();
  const transport = new FakeTransport();
  transport.hold();
  const { queue, close } = queueFor(dir.path, transport);
  await queue.enqueue([await change("/a.md", "a"), await change("/b.md", "b")]);
  await transport.requested(1);
  assertEquals((await outboxFiles(dir.path)).length, 2);
  transport.release();
  assertOk(await queue.drain(5_000));
  assertEquals(await outboxFiles(dir.path), []);
  await close();
});

Deno.test("WritebackQueue sends a burst in batches under the body limit, every file once", async () => {
  await using dir = await usingTempDir();
  const transport = new FakeTransport();
  const { queue, delivered, close } = queueFor(dir.path, transport, {
    batchLimits: { maxBytes: 4_000, maxFiles: 256 },
  });
  const changes = await Promise.all(Array.from({ length: 10 }, (_, i) => change(`/f${i}.md`, "x".repeat(1_000))));
  await queue.enqueue(changes);
  assertOk(await queue.drain(5_000));
  assertOk(transport.requests.length >= 4, `${transport.requests.length} requests`);
  for (const request of transport.requests) {
    const bytes = request.files.reduce((sum, file) => sum + file.content.length + file.path.length + 256, 0);
    assertOk(bytes <= 4_000, `a request of ${bytes} bytes`);
  }
  assertEquals(transport.requests.flatMap((request) => request.paths).sort(), changes.map((c) => c.path).sort());
  assertEquals(delivered.length, 10);
  await close();
});

Deno.test("WritebackQueue: a newer change supersedes the unsent op of its path, never the one in flight", async () => {
  await using dir = await usingTempDir();
  const transport = new FakeTransport();
  transport.hold();
  const { queue, close } = queueFor(dir.path, transport);
  await queue.enqueue([await change("/x.md", "one")]);
  await transport.requested(1);
  await queue.enqueue([await change("/x.md", "two")]);
  await queue.enqueue([await change("/x.md", "three")]);
  assertEquals((await outboxFiles(dir.path)).length, 2, "the op in flight and the newest");
  transport.release();
  assertOk(await queue.drain(5_000));
  const sent = transport.requests.flatMap((request) => request.files.map((file) => file.content));
  assertEquals(sent, ["one", "three"]);
  await close();
});

Deno.test("WritebackQueue: a path stays in flight until its delivery is settled", async () => {
  await using dir = await usingTempDir();
  const transport = new FakeTransport();
  const queue = new WritebackQueue(dir.path, transport, {
    baseRevisionOf: () => null,
    reloadToken: () => Promise.resolve(false),
    log: () => {},
  });
  await queue.enqueue([await change("/a.md", "a")]);
  const deliveries = await queue.nextDeliveries();
  assertEquals(deliveries?.map((d) => [d.kind, d.op.path, d.kind === "committed" ? d.revision : ""]), [
    ["committed", "/a.md", "rev_1"],
  ]);
  assertOk(queue.isInFlight("/a.md"));
  assertEquals((await outboxFiles(dir.path)).length, 1, "kept until the mount has taken it in");
  await queue.settle(deliveries!);
  assertEquals(queue.isInFlight("/a.md"), false);
  assertEquals(await outboxFiles(dir.path), []);
  await queue.close();
  assertEquals(await queue.nextDeliveries(), undefined);
});

Deno.test("WritebackQueue splits a batch refused whole with 413: the large file is dead-lettered, the rest land", async () => {
  await using dir = await usingTempDir();
  const transport = new FakeTransport();
  transport.answer = (_path, request) =>
    request.paths.includes("/big.md") ? new HttpError(413, { code: "payload_too_large" }) : "ok";
  const { queue, delivered, close } = queueFor(dir.path, transport);
  const changes = await Promise.all(["/a.md", "/b.md", "/big.md", "/c.md"].map((path) => change(path, path)));
  await queue.enqueue(changes);
  assertOk(await queue.drain(5_000));
  assertEquals(delivered.map((d) => d.op.path).sort(), ["/a.md", "/b.md", "/c.md"]);
  assertEquals(queue.counts().deadLettered, 1);
  assertOk(queue.isDeadLettered("/big.md", changes[2]!.contentHash));
  await close();
});

Deno.test("WritebackQueue delivers a conflict to the mount instead of dead-lettering it", async () => {
  await using dir = await usingTempDir();
  const transport = new FakeTransport();
  transport.answer = () => ({ conflict: true });
  const { queue, delivered, close } = queueFor(dir.path, transport);
  await queue.enqueue([await change("/a.md", "mine", "rev_1")]);
  assertOk(await queue.drain(5_000));
  assertEquals(delivered.map((d) => [d.kind, d.op.path]), [["conflict", "/a.md"]]);
  assertEquals(queue.counts().deadLettered, 0);
  assertEquals(transport.requests.length, 1, "a conflicted op is not sent again");
  await close();
});

Deno.test("WritebackQueue: five failures open the breaker; nothing is sent until its cooldown, then one probe", async () => {
  using time = fakeTime();
  const { clock, settle } = time;
  await using dir = await usingTempDir();
  const transport = new FakeTransport();
  transport.answer = () => new NetworkError("connection refused");
  const policy = { baseMs: 1_000, capMs: 60_000, maxAttempts: 100, maxAgeMs: 86_400_000 };
  const { queue, logs, close } = queueFor(dir.path, transport, { policy, random: () => 0 });
  await queue.enqueue([await change("/a.md", "a")]);
  // Each failure retries at once (random 0): five requests, then the breaker opens for baseMs.
  await settle();
  assertEquals(transport.requests.length, 5);
  assertOk(logs.some((line) => line.startsWith("writeback paused")), logs.join("\n"));
  await clock.tickAsync(900);
  await settle();
  assertEquals(transport.requests.length, 5, "nothing is sent while the breaker is open");
  await clock.tickAsync(200);
  await settle();
  assertEquals(transport.requests.length, 6, "one probe after the cooldown");
  transport.answer = () => "ok";
  await clock.tickAsync(2_100);
  await settle();
  assertEquals(transport.requests.length, 7, "the next probe succeeds");
  assertOk(logs.some((line) => line.startsWith("writeback resumed")), logs.join("\n"));
  assertEquals(queue.counts().pending + queue.counts().retryWait + queue.counts().inFlight, 0);
  await close();
});

Deno.test("WritebackQueue.load() takes ops left in flight by a crash back as pending, with the same op id", async () => {
  await using dir = await usingTempDir();
  const first = new FakeTransport();
  first.hold();
  const before = new WritebackQueue(dir.path, first, {
    baseRevisionOf: () => null,
    reloadToken: () => Promise.resolve(false),
    log: () => {},
  });
  await before.enqueue([await change("/a.md", "a")]);
  const [opFile] = await outboxFiles(dir.path);
  // The first queue is abandoned mid-request, as a kill -9 would leave it.
  const transport = new FakeTransport();
  const { queue, delivered, close } = queueFor(dir.path, transport);
  await queue.load();
  assertEquals(queue.counts().pending, 1);
  queue.kick();
  assertOk(await queue.drain(5_000));
  assertEquals(delivered.map((d) => `${d.op.opId}.json`), [opFile]);
  assertEquals(
    transport.requests[0]!.files[0]!.contentIdentity?.key,
    first.requests[0]!.files[0]!.contentIdentity?.key,
  );
  await close();
  first.release();
  await before.close();
});

Deno.test("WritebackQueue: an op that fails after a newer change of its path came is dropped, not retried", async () => {
  await using dir = await usingTempDir();
  const transport = new FakeTransport();
  transport.hold();
  transport.answer = (_path, request) =>
    request.files[0]?.content === "old" ? new HttpError(503, { code: "unavailable" }) : "ok";
  const { queue, delivered, close } = queueFor(dir.path, transport, { random: () => 0 });
  await queue.enqueue([await change("/x.md", "old")]);
  await transport.requested(1);
  await queue.enqueue([await change("/x.md", "new")]);
  transport.release();
  assertOk(await queue.drain(5_000));
  assertEquals(transport.requests.map((request) => request.files[0]?.content), ["old", "new"]);
  assertEquals(delivered.map((d) => d.op.path), ["/x.md"]);
  assertEquals(await outboxFiles(dir.path), []);
  await close();
});

Deno.test("WritebackQueue: with the breaker open, 200 waiting ops cost one probe round per cooldown, not 200 timers", async () => {
  using time = fakeTime();
  const { clock, settle } = time;
  await using dir = await usingTempDir();
  const transport = new FakeTransport();
  transport.answer = () => new HttpError(503, { code: "unavailable" });
  const policy = { baseMs: 500, capMs: 300_000, maxAttempts: 1_000, maxAgeMs: 86_400_000 };
  // One file per request, and each op's own backoff as short as it gets: only the breaker can hold them back.
  const { queue, close } = queueFor(dir.path, transport, {
    policy,
    random: () => 0,
    batchLimits: { maxBytes: 1 << 20, maxFiles: 1 },
  });
  await queue.enqueue(await Promise.all(Array.from({ length: 200 }, (_, i) => change(`/o${i}.md`, `${i}`))));
  await settle();
  const atOpening = transport.requests.length;
  // Ten minutes of outage in fake time: the cooldown doubles from 500 ms up to its 30 s cap.
  for (let step = 0; step < 120; step++) {
    await clock.tickAsync(5_000);
    await settle();
  }
  const duringOutage = transport.requests.length - atOpening;
  // Probes: 500 ms, 1, 2, 4, 8, 16 s, then every 30 s: about 25 rounds of at most two requests (two batches).
  assertOk(duringOutage <= 60, `requests during a 10-minute outage: ${duringOutage}`);
  assertOk(duringOutage >= 10, `the breaker still probes: ${duringOutage}`);
  await close();
});

for (
  const [outage, failure] of [
    ["dropped connections", () => new NetworkError("connection reset")],
    ["503 to everything", () => new HttpError(503, { code: "unavailable" })],
  ] as const
) {
  Deno.test(`WritebackQueue: ten minutes of ${outage} dead-letter nothing, and every write lands by itself after`, async () => {
    using time = fakeTime();
    await using dir = await usingTempDir();
    const transport = new FakeTransport();
    transport.answer = failure;
    const { queue, delivered, close } = queueFor(dir.path, transport, { random: () => 0.5 });
    let serverBack = 0; // the mount pulls then
    queue.whenServerIsBack(() => serverBack++);
    await queue.enqueue(await Promise.all(Array.from({ length: 20 }, (_, i) => change(`/w${i}.md`, `${i}`))));
    for (let step = 0; step < 120; step++) {
      await time.clock.tickAsync(5_000);
      await time.settle();
      if (step === 60) await queue.enqueue([await change("/during.md", "written mid-outage")]);
    }
    assertEquals(queue.counts().deadLettered, 0);
    const duringOutage = transport.requests.length;
    assertOk(duringOutage <= 60, `requests during the outage: ${duringOutage}`);
    transport.answer = () => "ok";
    await time.clock.tickAsync(30_000); // one probe interval at most
    await time.settle();
    assertEquals(delivered.length, 21);
    assertEquals(serverBack, 1);
    const { pending, inFlight, retryWait, deadLettered } = queue.counts();
    assertEquals([pending, inFlight, retryWait, deadLettered], [0, 0, 0, 0]);
    await close();
  });
}

Deno.test("WritebackQueue: a change older than --max-age that meets an outage (a laptop asleep for two days) waits, and lands after", async () => {
  using time = fakeTime();
  await using dir = await usingTempDir();
  const transport = new FakeTransport();
  transport.answer = () => new NetworkError("network is unreachable");
  const { queue, delivered, close } = queueFor(dir.path, transport, { random: () => 0.5 });
  await queue.enqueue([await change("/friday.md", "written before the lid closed")]);
  await time.settle();
  time.clock.setSystemTime(Date.now() + 2 * 86_400_000); // the wall clock jumps; no timer ran meanwhile
  for (let step = 0; step < 12; step++) {
    await time.clock.tickAsync(5_000);
    await time.settle();
  }
  assertEquals(queue.counts().deadLettered, 0);
  transport.answer = () => "ok";
  await time.clock.tickAsync(30_000);
  await time.settle();
  assertEquals(delivered.map((delivery) => delivery.op.path), ["/friday.md"]);
  await close();
});

Deno.test("WritebackQueue: a file the server answers 500 is split out of its batch; it alone is dead-lettered while others land", async () => {
  using time = fakeTime();
  await using dir = await usingTempDir();
  const transport = new FakeTransport();
  transport.answer = (_path, request) =>
    request.paths.includes("/poison.md") ? new HttpError(500, { code: "internal_error" }) : "ok";
  const policy = { baseMs: 100, capMs: 1_000, maxAttempts: 4, maxAgeMs: 86_400_000 };
  const { queue, delivered, close } = queueFor(dir.path, transport, { policy, random: () => 0.5 });
  const names = ["a", "b", "c", "poison", "d", "e", "f", "g"].map((name) => `/${name}.md`);
  await queue.enqueue(await Promise.all(names.map((path) => change(path, path))));
  await time.settle();
  assertEquals(delivered.map((d) => d.op.path).sort(), names.filter((path) => path !== "/poison.md").sort());
  // Others keep writing while the poisoned file retries: the server serves them, so its failures are its own.
  for (let round = 0; round < 40 && queue.counts().deadLettered === 0; round++) {
    await queue.enqueue([await change(`/other${round}.md`, `${round}`)]);
    await time.clock.tickAsync(600);
    await time.settle();
  }
  assertEquals(queue.counts().deadLettered, 1);
  assertOk(queue.isDeadLettered("/poison.md", (await change("/poison.md", "/poison.md")).contentHash));
  assertEquals(delivered.filter((d) => d.op.path === "/poison.md"), []);
  await close();
});

Deno.test("WritebackQueue: a file rewritten ten times a second goes out about once a second, its last bytes last", async () => {
  using time = fakeTime();
  await using dir = await usingTempDir();
  const transport = new FakeTransport();
  const { queue, close } = queueFor(dir.path, transport, { now: () => Date.now() });
  for (let write = 1; write <= 24; write++) {
    await queue.enqueue([await change("/app.log", `${write} lines`)]);
    await time.clock.tickAsync(100);
    await time.settle();
  }
  await time.clock.tickAsync(1_000);
  await time.settle();
  const sent = transport.requests.flatMap((request) => request.files.map((file) => file.content));
  assertOk(sent.length >= 3 && sent.length <= 4, `${sent.length} sends for 24 writes in 2.4 s: ${sent.join(", ")}`);
  assertEquals(sent[0], "1 lines", "the first write goes at once");
  assertEquals(sent.at(-1), "24 lines");
  assertOk(await queue.drain(0));
  await close();
});

Deno.test("WritebackQueue: writes paused by an outage go as soon as a pull gets through, once per outage", async () => {
  using time = fakeTime();
  await using dir = await usingTempDir();
  const transport = new FakeTransport();
  transport.answer = () => new NetworkError("connection refused");
  const { queue, delivered, close } = queueFor(dir.path, transport, { random: () => 0.5 });
  await queue.enqueue([await change("/a.md", "written in the outage")]);
  for (let step = 0; step < 12; step++) { // a minute of outage: the breaker opens, its cooldown grows
    await time.clock.tickAsync(5_000);
    await time.settle();
  }
  const during = transport.requests.length;
  queue.serverAnsweredElsewhere(); // a pull went through, but writes still fail: one probe, now
  await time.settle();
  assertEquals(transport.requests.length, during + 1);
  queue.serverAnsweredElsewhere(); // and not one per pull
  await time.settle();
  assertEquals(transport.requests.length, during + 1);
  transport.answer = () => "ok";
  await time.clock.tickAsync(1_000);
  await time.settle();
  assertEquals(delivered.length, 0, "the cooldown the failed probe set still holds");
  queue.serverAnsweredElsewhere(); // a new outage has not begun: still spent
  await time.settle();
  assertEquals(delivered.length, 0);
  await time.clock.tickAsync(60_000);
  await time.settle();
  assertEquals(delivered.length, 1);
  await close();
});

Deno.test("WritebackQueue: once the server is back, a pull that gets through sends the waiting writes at once", async () => {
  using time = fakeTime();
  await using dir = await usingTempDir();
  const transport = new FakeTransport();
  transport.answer = () => new NetworkError("connection refused");
  const { queue, delivered, close } = queueFor(dir.path, transport, { random: () => 0.5 });
  await queue.enqueue(await Promise.all(Array.from({ length: 5 }, (_, i) => change(`/w${i}.md`, `${i}`))));
  for (let step = 0; step < 12; step++) {
    await time.clock.tickAsync(5_000);
    await time.settle();
  }
  transport.answer = () => "ok";
  queue.serverAnsweredElsewhere();
  await time.settle();
  assertEquals(delivered.length, 5, "no time passed: the probe went, and then the rest");
  await close();
});
