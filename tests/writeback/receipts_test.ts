/** Delivery receipts in the queue: a fake server with a provider behind it, a real outbox, fake time. */
import { readDeadLetters } from "../../src/relay/dead_letter.ts";
import { readOutbox } from "../../src/relay/outbox.ts";
import { SAME_PATH_SPACING_MS } from "../../src/writeback/scheduler.ts";
import { assertEquals, assertOk } from "../support/assert.ts";
import { FakeTransport } from "../support/fake_transport.ts";
import { fakeTime } from "../support/fake_time.ts";
import { usingTempDir } from "../support/temp_dir.ts";
import { change, queueFor } from "./_queue.ts";

const opsRequests = (transport: FakeTransport) => transport.requests.filter((r) => r.kind === "ops").length;

Deno.test("receipts: an accepted write waits in the outbox until the provider acks it, then leaves", async () => {
  using time = fakeTime();
  await using dir = await usingTempDir();
  const transport = new FakeTransport();
  transport.provider = "pending";
  const { queue, close } = queueFor(dir.path, transport);
  await queue.enqueue([await change("/docs/a.md", "a")]);
  await time.settle();
  assertEquals(queue.counts().awaitingProvider, 1);
  const [waiting] = (await readOutbox(dir.path)).ops;
  assertEquals([waiting?.state, waiting?.receipt?.serverOpId], ["accepted", "op_1"]);
  transport.settleOp("/docs/a.md", "succeeded");
  await time.clock.tickAsync(2_000);
  await time.settle();
  assertEquals([queue.counts().awaitingProvider, (await readOutbox(dir.path)).ops.length], [0, 0]);
  await close();
});

Deno.test("receipts: the provider's refusal becomes a provider dead letter with its error, payload kept", async () => {
  using time = fakeTime();
  await using dir = await usingTempDir();
  const transport = new FakeTransport();
  transport.provider = "pending";
  const { queue, close } = queueFor(dir.path, transport);
  await queue.enqueue(await Promise.all(["/docs/a.md", "/docs/b.md"].map((path) => change(path, path))));
  await time.settle();
  transport.settleOp("/docs/a.md", "succeeded");
  transport.settleOp("/docs/b.md", "dead_lettered", "provider said no");
  await time.clock.tickAsync(2_000);
  await time.settle();
  const { entries } = await readDeadLetters(dir.path);
  assertEquals(entries.map((entry) => [entry.path, entry.classification, entry.nextAction]), [
    ["/docs/b.md", "provider", "retry"],
  ]);
  assertEquals(entries[0]!.record?.provider?.error, "provider said no");
  assertEquals(entries[0]!.record?.provider?.serverOpId, "op_2");
  assertOk(entries[0]!.reason.includes("provider said no"), entries[0]!.reason);
  assertEquals([queue.counts().awaitingProvider, queue.counts().deadLettered], [0, 1]);
  await close();
});

Deno.test("receipts: 100 writes awaiting the provider for 60 s cost at most 8 GET ops requests", async () => {
  using time = fakeTime();
  await using dir = await usingTempDir();
  const transport = new FakeTransport();
  transport.provider = "pending";
  const { queue, close } = queueFor(dir.path, transport);
  await queue.enqueue(await Promise.all(Array.from({ length: 100 }, (_, i) => change(`/docs/f${i}.md`, `${i}`))));
  await time.settleUntil("100 accepted", () => queue.counts().awaitingProvider === 100);
  const before = opsRequests(transport);
  for (let second = 0; second < 60; second++) {
    await time.clock.tickAsync(1_000);
    await time.settle();
  }
  // One page answers for all 100; pending ones are asked again after 1, 2, 4, 8, 16, 32 s: 6 requests in 60 s.
  const requests = opsRequests(transport) - before;
  assertOk(requests <= 8 && requests >= 5, `GET ops requests: ${requests}`);
  assertEquals(queue.counts().awaitingProvider, 100);
  await close();
});

Deno.test("receipts: a server without the ops route makes receipts unavailable, said once; writes count as delivered", async () => {
  using time = fakeTime();
  await using dir = await usingTempDir();
  const transport = new FakeTransport();
  transport.provider = "pending";
  const { queue, close, logs } = queueFor(dir.path, transport);
  await queue.enqueue([await change("/docs/a.md", "a")]);
  await time.settle();
  transport.provider = "no-ops-route";
  await time.clock.tickAsync(2_000);
  await time.settle();
  assertEquals(queue.receiptsUnavailable, "the server has no ops route");
  assertEquals([queue.counts().awaitingProvider, (await readOutbox(dir.path)).ops.length], [0, 0]);
  await queue.enqueue([await change("/docs/b.md", "b")]);
  await time.settle();
  assertEquals(queue.counts().awaitingProvider, 0, "later writes settle at 202");
  assertEquals(logs.filter((line) => line.startsWith("receipts unavailable")).length, 1);
  await close();
});

Deno.test("receipts survive a restart: a new queue reads the accepted ops and follows them without sending again", async () => {
  using time = fakeTime();
  await using dir = await usingTempDir();
  const transport = new FakeTransport();
  transport.provider = "pending";
  const first = queueFor(dir.path, transport);
  await first.queue.enqueue([await change("/docs/a.md", "a")]);
  await time.settle();
  await first.close();
  const bulkBefore = transport.requests.filter((r) => r.kind === "bulk").length;
  const second = queueFor(dir.path, transport);
  await second.queue.load();
  assertEquals(second.queue.counts().awaitingProvider, 1);
  transport.settleOp("/docs/a.md", "succeeded");
  await time.clock.tickAsync(2_000);
  await time.settle();
  assertEquals(second.queue.counts().awaitingProvider, 0);
  assertEquals(transport.requests.filter((r) => r.kind === "bulk").length, bulkBefore, "nothing sent twice");
  await second.close();
});

Deno.test("receipts: a newer write of a path that is delivered makes the older one's wait and refusal moot", async () => {
  using time = fakeTime();
  await using dir = await usingTempDir();
  const transport = new FakeTransport();
  transport.provider = "pending";
  const { queue, close } = queueFor(dir.path, transport);
  await queue.enqueue([await change("/docs/a.md", "one")]);
  await time.settle();
  await time.clock.tickAsync(10);
  await queue.enqueue([await change("/docs/a.md", "two")]);
  await time.clock.tickAsync(SAME_PATH_SPACING_MS); // a path rewritten at once is sent again a second after
  await time.settle();
  assertEquals(queue.counts().awaitingProvider, 2);
  transport.ops.get("op_2")!.status = "succeeded";
  transport.ops.get("op_1")!.status = "dead_lettered";
  await time.clock.tickAsync(2_000);
  await time.settle();
  assertEquals([queue.counts().awaitingProvider, queue.counts().deadLettered], [0, 0]);
  assertEquals((await readOutbox(dir.path)).ops, []);
  await close();
});
