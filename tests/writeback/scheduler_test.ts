import { CLOSED } from "../../src/writeback/circuit.ts";
import { newOp, transition, type WritebackOp } from "../../src/writeback/op.ts";
import {
  batchesOf,
  isDue,
  nextWakeAt,
  type PathSending,
  planSends,
  probeOrAll,
  SAME_PATH_SPACING_MS,
} from "../../src/writeback/scheduler.ts";
import { assertEquals } from "../support/assert.ts";

const NOW = Date.UTC(2026, 10, 29, 12);
const QUIET: PathSending = { inFlight: false, sentAt: undefined };
const IN_FLIGHT: PathSending = { inFlight: true, sentAt: NOW - 10 };

function op(path: string, extra: Partial<WritebackOp> = {}): WritebackOp {
  const made = newOp({ path, kind: "create", contentHash: null, baseRevision: null }, NOW - 1_000, () => 0.5);
  return { ...made, ...extra };
}

Deno.test("transition() moves an op through its life: sent, then recovered after a restart", () => {
  const cases: [WritebackOp["state"], "sent" | "recovered", WritebackOp["state"]][] = [
    ["pending", "sent", "in_flight"],
    ["retry_wait", "sent", "in_flight"],
    ["in_flight", "sent", "in_flight"],
    ["in_flight", "recovered", "pending"],
    ["pending", "recovered", "pending"],
    ["retry_wait", "recovered", "retry_wait"],
  ];
  for (const [from, event, to] of cases) {
    assertEquals(transition(op("/a.md", { state: from }), { type: event }).state, to, `${from} --${event}-->`);
  }
});

Deno.test("newOp() makes a pending op with no attempts, stamped with the time passed in", () => {
  const made = newOp({ path: "/a.md", kind: "update", contentHash: null, baseRevision: "rev_1" }, NOW, () => 0);
  assertEquals([made.state, made.attempts, made.createdAt, made.baseRevision], [
    "pending",
    0,
    new Date(NOW).toISOString(),
    "rev_1",
  ]);
});

Deno.test("isDue() is true for a pending op and a retry past its time, never while its path is in flight", () => {
  const past = new Date(NOW - 1).toISOString();
  const future = new Date(NOW + 1).toISOString();
  assertEquals(isDue(op("/a"), NOW, QUIET), true);
  assertEquals(isDue(op("/a"), NOW, IN_FLIGHT), false);
  assertEquals(isDue(op("/a", { state: "retry_wait", notBefore: past }), NOW, QUIET), true);
  assertEquals(isDue(op("/a", { state: "retry_wait", notBefore: future }), NOW, QUIET), false);
  assertEquals(isDue(op("/a", { state: "in_flight" }), NOW, QUIET), false);
});

Deno.test("isDue(): a path sent less than a second ago waits out the second; one sent before goes at once", () => {
  const justSent = { inFlight: false, sentAt: NOW - 200 };
  assertEquals(isDue(op("/log.md"), NOW, justSent), false);
  assertEquals(isDue(op("/log.md"), NOW - 200 + SAME_PATH_SPACING_MS, justSent), true);
  assertEquals(isDue(op("/log.md"), NOW, { inFlight: false, sentAt: NOW - SAME_PATH_SPACING_MS }), true);
  assertEquals(nextWakeAt([op("/log.md")], NOW, () => justSent, CLOSED), NOW - 200 + SAME_PATH_SPACING_MS);
});

Deno.test("planSends() puts deletes apart and batches the rest under both limits, in order", () => {
  const ops = [
    op("/a", { payload: { content: "x".repeat(400), encoding: "" } }),
    op("/gone", { kind: "delete" }),
    op("/b", { payload: { content: "x".repeat(400), encoding: "" } }),
    op("/c"),
    op("/d"),
  ];
  const plan = planSends(ops, { maxBytes: 1_000, maxFiles: 2 });
  assertEquals(plan.deletes.map((o) => o.path), ["/gone"]);
  assertEquals(plan.batches.map((batch) => batch.map((o) => o.path)), [["/a"], ["/b", "/c"], ["/d"]]);
  assertEquals(batchesOf([], { maxBytes: 1, maxFiles: 1 }), []);
});

Deno.test("planSends() sizes a batch by the real size of payloads kept in blobs, not by their record", () => {
  const large = (path: string) => op(path, { contentHash: "a".repeat(64), payloadBytes: 400_000 });
  const plan = planSends([large("/one.png"), large("/two.png"), large("/three.png")], {
    maxBytes: 768 * 1024,
    maxFiles: 256,
  });
  assertEquals(plan.batches.map((batch) => batch.map((o) => o.path)), [["/one.png"], ["/two.png"], ["/three.png"]]);
});

Deno.test("nextWakeAt() is now for pending work, the earliest retry otherwise, and not before the breaker allows", () => {
  const retryAt = NOW + 5_000;
  const waiting = op("/b", { state: "retry_wait", notBefore: new Date(retryAt).toISOString() });
  assertEquals(nextWakeAt([op("/a"), waiting], NOW, () => QUIET, CLOSED), NOW);
  assertEquals(nextWakeAt([op("/a"), waiting], NOW, (path) => path === "/a" ? IN_FLIGHT : QUIET, CLOSED), retryAt);
  assertEquals(nextWakeAt([], NOW, () => QUIET, CLOSED), undefined);
  const open = { consecutiveFailures: 5, openUntil: NOW + 9_000, openings: 1 };
  assertEquals(nextWakeAt([op("/a")], NOW, () => QUIET, open), NOW + 9_000);
});

Deno.test("probeOrAll() sends everything due normally, and while probing only the op that waited longest", () => {
  const poisoned = op("/poison", { updatedAt: new Date(NOW - 10).toISOString() });
  const waiting = op("/other", { updatedAt: new Date(NOW - 5_000).toISOString() });
  assertEquals(probeOrAll([poisoned, waiting], false).length, 2);
  assertEquals(probeOrAll([poisoned, waiting], true).map((o) => o.path), ["/other"]);
  assertEquals(probeOrAll([], true), []);
});

Deno.test("planSends() never puts a change that failed before in the same request as a fresh one", () => {
  const attempt = { at: new Date(NOW).toISOString(), status: 500, error: "boom" };
  const plan = planSends([op("/poison", { history: [attempt] }), op("/fresh")], { maxBytes: 1 << 20, maxFiles: 256 });
  assertEquals(plan.batches.map((batch) => batch.map((o) => o.path)), [["/fresh"], ["/poison"]]);
});
