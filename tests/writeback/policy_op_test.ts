import { afterFailure, type WritebackOp } from "../../src/writeback/op.ts";
import { backoffMs, decide, DEFAULT_POLICY, type Failure } from "../../src/writeback/policy.ts";
import { assertEquals } from "../support/assert.ts";

const NOW = Date.parse("2026-11-24T12:00:00Z");
const context = (overrides: Partial<{ random: number; reauthTried: boolean; now: number; charged: boolean }> = {}) => ({
  now: NOW,
  random: 0.5,
  policy: DEFAULT_POLICY,
  reauthTried: false,
  ...overrides,
});
const fresh = { attempts: 1, createdAtMs: NOW - 1000 };

Deno.test("backoffMs() is full jitter under an exponential ceiling capped at 5 minutes", () => {
  assertEquals(backoffMs(DEFAULT_POLICY, 1, 0.999), 499);
  assertEquals(backoffMs(DEFAULT_POLICY, 3, 0.5), 1000);
  assertEquals(backoffMs(DEFAULT_POLICY, 30, 1), 300_000);
  assertEquals(backoffMs(DEFAULT_POLICY, 5, 0), 0);
});

Deno.test("decide() follows the classification table", async (t) => {
  const table: [string, Failure, typeof fresh, ReturnType<typeof context>, unknown][] = [
    ["503 retries after the backoff", { status: 503, message: "" }, fresh, context(), {
      action: "retry",
      notBefore: NOW + 250,
    }],
    ["no answer retries", { status: 0, message: "reset" }, fresh, context(), { action: "retry", notBefore: NOW + 250 }],
    ["429 honours Retry-After over the backoff", { status: 429, message: "", retryAfterMs: 7000 }, fresh, context(), {
      action: "retry",
      notBefore: NOW + 7000,
    }],
    [
      "a Retry-After of years waits no longer than the backoff's cap",
      { status: 503, message: "", retryAfterMs: 99_999_999_000 },
      fresh,
      context(),
      { action: "retry", notBefore: NOW + DEFAULT_POLICY.capMs },
    ],
    [
      "the 8th transient failure dead-letters",
      { status: 500, message: "" },
      { attempts: 8, createdAtMs: NOW },
      context(),
      {
        action: "dead_letter",
        classification: "transient",
        nextAction: "retry",
      },
    ],
    [
      "a day-old op dead-letters on a transient failure",
      { status: 503, message: "" },
      {
        attempts: 1,
        createdAtMs: NOW - 24 * 3_600_000,
      },
      context(),
      { action: "dead_letter", classification: "transient", nextAction: "retry" },
    ],
    [
      "a week-old op meeting an outage (an uncharged failure) waits: only failing while the server serves exhausts it",
      { status: 0, message: "connection refused" },
      { attempts: 8, createdAtMs: NOW - 7 * 24 * 3_600_000 },
      context({ charged: false }),
      { action: "retry", notBefore: NOW + backoffMs(DEFAULT_POLICY, 8, 0.5) },
    ],
    ["409 is a conflict", { status: 409, message: "" }, fresh, context(), { action: "conflict" }],
    ["a per-file conflict is a conflict", { status: 202, code: "conflict", message: "" }, fresh, context(), {
      action: "conflict",
    }],
    ["401 re-reads the token first", { status: 401, message: "" }, fresh, context(), { action: "reauth" }],
    ["401 after a re-read dead-letters", { status: 401, message: "" }, fresh, context({ reauthTried: true }), {
      action: "dead_letter",
      classification: "unauthorized",
      nextAction: "reauth",
    }],
    ["403 is for an admin", { status: 403, message: "" }, fresh, context(), {
      action: "dead_letter",
      classification: "forbidden",
      nextAction: "contact-admin",
    }],
    ["413 needs a payload fix", { status: 413, message: "" }, fresh, context(), {
      action: "dead_letter",
      classification: "invalid_payload",
      nextAction: "fix-payload",
    }],
  ];
  for (const [name, failure, op, ctx, expected] of table) {
    await t.step(name, () => assertEquals(decide(failure, op, ctx), expected));
  }
});

const op: WritebackOp = {
  schemaVersion: 1,
  opId: "op_1",
  path: "/a.md",
  kind: "update",
  state: "pending",
  contentHash: "a".repeat(64),
  baseRevision: "rev_1",
  attempts: 2,
  createdAt: "2026-11-24T11:00:00.000Z",
  updatedAt: "2026-11-24T11:00:00.000Z",
  history: [],
};
const failure: Failure = { status: 503, code: "unavailable", message: "down" };

Deno.test("afterFailure() records the attempt and moves the op as the decision says", async (t) => {
  await t.step("retry → retry_wait with notBefore", () => {
    const next = afterFailure(op, failure, { action: "retry", notBefore: NOW + 500 }, { now: NOW });
    assertEquals(next.outcome, "retry_wait");
    assertEquals([next.op.state, next.op.attempts, next.op.notBefore], ["retry_wait", 3, "2026-11-24T12:00:00.500Z"]);
    assertEquals(next.op.history, [{
      at: "2026-11-24T12:00:00.000Z",
      status: 503,
      code: "unavailable",
      error: "down",
    }]);
  });
  await t.step("reauth with a new token → resend at once", () => {
    const next = afterFailure(op, { status: 401, message: "" }, { action: "reauth" }, { now: NOW, tokenChanged: true });
    assertEquals([next.outcome, next.op.state], ["resend", "pending"]);
  });
  await t.step("reauth without a new token → waits for credentials, uncharged, never dead-lettered", () => {
    const next = afterFailure(op, { status: 401, message: "" }, { action: "reauth" }, {
      now: NOW,
      tokenChanged: false,
    });
    assertEquals([next.outcome, next.op.state, next.op.attempts], ["await_credentials", "pending", op.attempts]);
    assertEquals(next.op.history.at(-1)?.status, 401);
  });
  await t.step("conflict → settled as a conflict", () => {
    assertEquals(afterFailure(op, failure, { action: "conflict" }, { now: NOW }).outcome, "conflict");
  });
  await t.step("dead letter keeps the classification", () => {
    const next = afterFailure(op, failure, {
      action: "dead_letter",
      classification: "forbidden",
      nextAction: "contact-admin",
    }, { now: NOW });
    assertEquals(next.outcome === "dead_lettered" && [next.classification, next.op.attempts], ["forbidden", 3]);
  });
  await t.step("a retry_wait op that fails again drops its old notBefore", () => {
    const waiting = { ...op, state: "retry_wait" as const, notBefore: "2026-11-24T11:59:00.000Z" };
    const next = afterFailure(waiting, failure, { action: "conflict" }, { now: NOW });
    assertEquals(next.op.notBefore, undefined);
  });
});
