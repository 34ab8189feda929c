import type { DeadLetterEntry, QueuedEntry } from "../../src/relay/entries.ts";
import type { WritebackSnapshot } from "../../src/inspect/snapshot.ts";
import { toPublicState } from "../../src/relay/state_file.ts";
import { formatStatus, statusDocument, summarize } from "../../src/inspect/status.ts";
import { formatPathStatus, pathStatuses } from "../../src/inspect/path_status.ts";
import { assertEquals, assertIncludes, assertNotIncludes } from "../support/assert.ts";

const NOW = Date.parse("2026-11-24T12:00:00Z");
const context = { workspaceId: "ws_demo", localDir: "/mnt/demo", now: NOW };

function snapshot(overrides: Partial<WritebackSnapshot> = {}): WritebackSnapshot {
  return {
    mountDir: "/mnt/demo",
    state: null,
    hasOutbox: false,
    queued: [],
    deadLettered: [],
    conflicts: [],
    besideCopies: {},
    problems: [],
    runningMount: null,
    ...overrides,
  };
}

function queued(opId: string, state: QueuedEntry["state"], createdAt: string, path = `/docs/${opId}.md`): QueuedEntry {
  return { opId, path, state, attempts: 0, createdAt, source: "relayfile", files: [] };
}

function dead(opId: string, path: string, lastStatus: number, ts: string): DeadLetterEntry {
  return {
    opId,
    path,
    paths: [path],
    attempts: 1,
    lastStatus,
    ts,
    reason: `HTTP ${lastStatus}`,
    classification: "invalid_payload",
    nextAction: "fix-payload",
    source: "relayfile",
    files: [],
  };
}

Deno.test("summarize() counts queued, in-flight and retry-waiting ops and finds the oldest", () => {
  const report = summarize(
    snapshot({
      hasOutbox: true,
      queued: [
        queued("a", "pending", "2026-11-24T11:00:00Z"),
        queued("b", "in_flight", "2026-11-24T11:59:00Z"),
        queued("c", "retry_wait", "2026-11-24T10:00:00Z"),
      ],
    }),
    context,
  );
  assertEquals([report.pending, report.queued, report.inFlight, report.retryWaiting], [3, 1, 1, 1]);
  assertEquals(report.oldestPending, {
    opId: "c",
    path: "/docs/c.md",
    since: "2026-11-24T10:00:00.000Z",
    ageSeconds: 7200,
  });
  assertEquals(report.actionable, false);
});

Deno.test("summarize() takes pending from state.json when the mount has no outbox (a Go seed mount)", () => {
  const report = summarize(snapshot({ state: toPublicState({ pendingWriteback: 4 }) }), context);
  assertEquals(report.pending, 4);
});

Deno.test("summarize() never fails the gate on the lifetime counter alone", () => {
  const report = summarize(snapshot({ state: toPublicState({ failedWritebacks: 7 }) }), context);
  assertEquals(report.actionable, false);
  const text = formatStatus(report);
  assertIncludes(text, "failed attempts (lifetime): 7\n");
  assertIncludes(text, "dead-lettered: 0\n");
  assertNotIncludes(text, "no failures");
});

Deno.test("summarize() is actionable with a dead letter or an unreadable record", () => {
  assertEquals(summarize(snapshot({ deadLettered: [dead("x", "/a/b", 400, "t")] }), context).actionable, true);
  assertEquals(summarize(snapshot({ problems: [{ file: "f", message: "m" }] }), context).actionable, true);
});

Deno.test("summarize() keeps the newest error per provider, over the Go snapshot's", () => {
  const report = summarize(
    snapshot({
      state: toPublicState({
        providers: [{ provider: "notion", lastError: "old" }, { provider: "jira", lastError: "j" }],
      }),
      deadLettered: [
        dead("1", "/notion/a.md", 400, "2026-11-24T10:00:00Z"),
        dead("2", "/notion/b.md", 413, "2026-11-24T11:00:00Z"),
        dead("3", "/root-file.md", 500, "2026-11-24T11:30:00Z"),
      ],
    }),
    context,
  );
  assertEquals(report.lastErrorByProvider, { jira: "j", notion: "HTTP 413" });
});

Deno.test("statusDocument() starts with schemaVersion, then the Go report's fields in the Go order", () => {
  const document = statusDocument(
    summarize(snapshot({ deadLettered: [dead("op_a", "/notion/a.md", 400, "2026-05-05T14:00:00Z")] }), context),
  );
  assertEquals(Object.keys(document).slice(0, 6), [
    "schemaVersion",
    "workspaceId",
    "pending",
    "failed",
    "deadLettered",
    "lastErrorByProvider",
  ]);
  assertEquals(document.schemaVersion, 1);
  const [entry] = document.deadLettered as Record<string, unknown>[];
  assertEquals(Object.keys(entry!).slice(0, 4), ["opId", "path", "lastStatus", "ts"]);
});

Deno.test("formatStatus() prints the Go lines, the dead-letter table and 'no failures' when clean", () => {
  const clean = formatStatus(summarize(snapshot(), { ...context, workspaceName: "demo" }));
  assertEquals(
    clean,
    "workspace: ws_demo (demo)\nlocal mirror: /mnt/demo\npending: 0\nfailed attempts (lifetime): 0\ndead-lettered: 0\n\nno failures\n",
  );
  const failing = formatStatus(summarize(snapshot({ deadLettered: [dead("op_a", "/n/a.md", 400, "ts1")] }), context));
  assertIncludes(failing, "Dead-lettered ops:\nop_id\tpath\tlast_status\tts\tnext_action\treason\n");
  assertIncludes(failing, "op_a\t/n/a.md\t400\tts1\tfix-payload\tHTTP 400\n");
});

Deno.test("pathStatuses() ranks dead-lettered over conflict over pending over synced", () => {
  const statuses = pathStatuses(
    snapshot({
      state: toPublicState({
        files: {
          "/a": { revision: "rev_1", status: "ready" },
          "/b": { revision: "rev_2", status: "ready" },
          "/c": { revision: "rev_3", status: "conflict" },
          "/d": { revision: "rev_4", status: "ready" },
          "/e": { revision: "rev_5", status: "write-denied" },
        },
      }),
      deadLettered: [{ ...dead("op_b", "/b,/x", 500, "t"), paths: ["/b", "/x"] }],
      queued: [queued("op_d", "pending", "t", "/d")],
    }),
    ["/a", "/b", "/c", "/d", "/e", "/zzz"],
  );
  assertEquals(statuses, [
    { path: "/a", state: "synced", revision: "rev_1" },
    { path: "/b", state: "dead_lettered", opId: "op_b" },
    { path: "/c", state: "conflict" },
    { path: "/d", state: "pending", opId: "op_d" },
    { path: "/e", state: "write_denied" },
    { path: "/zzz", state: "unknown" },
  ]);
  assertEquals(statuses.map(formatPathStatus).slice(0, 2), ["/a\tsynced (rev_1)", "/b\tdead-lettered (op_b)"]);
});

Deno.test("pathStatuses() trusts the outbox over a state.json saved a moment before the op left it", () => {
  const state = toPublicState({ files: { "/f": { revision: "rev_1", status: "writeback-pending" } } });
  assertEquals(pathStatuses(snapshot({ state, hasOutbox: true }), ["/f"]), [
    { path: "/f", state: "synced", revision: "rev_1" },
  ]);
  assertEquals(pathStatuses(snapshot({ state, hasOutbox: false }), ["/f"]), [{ path: "/f", state: "pending" }]);
});

Deno.test("summarize() makes a mirror that lacks remote content, cannot send a name, cannot pull, or needs a token actionable", async (t) => {
  const cases: [string, Record<string, unknown>, string | null][] = [
    ["ready", { status: "ready", eventListener: { status: "listening" } }, null],
    ["skipped paths", { status: "ready", skippedRemotePaths: [{ path: "/x", reason: "too long" }] }, "rename-remote"],
    [
      "unsent names",
      { status: "ready", skippedLocalPaths: [{ path: "a\\b.md", reason: "backslash" }] },
      "fix-local",
    ],
    ["offline", { status: "offline", lastError: { kind: "offline", message: "refused" } }, "check-server"],
    ["reauth", { status: "reauth-needed", lastError: { kind: "reauth", message: "401" } }, "reauth"],
  ];
  for (const [name, state, nextAction] of cases) {
    await t.step(name, () => {
      const report = summarize(snapshot({ state: toPublicState(state) }), context);
      assertEquals([report.mirror.nextAction, report.actionable], [nextAction, nextAction !== null]);
    });
  }
  const report = summarize(
    snapshot({ state: toPublicState({ skippedRemotePaths: [{ path: "/long/x.md", reason: "a name is too long" }] }) }),
    context,
  );
  assertIncludes(formatStatus(report), "  /long/x.md: a name is too long");
  assertEquals((statusDocument(report).mirror as { skippedRemotePaths: unknown[] }).skippedRemotePaths.length, 1);
});

Deno.test("summarize() says a mount that holds the folder but stopped beating for a minute is stuck, and makes it actionable", () => {
  const beat = (ago: number) => ({
    pid: 4242,
    startedAt: "2026-11-24T11:00:00Z",
    heartbeatAt: new Date(NOW - ago).toISOString(),
  });
  const busy = summarize(snapshot({ runningMount: beat(20_000) }), context);
  assertEquals([busy.mirror.stuckMount, busy.actionable], [null, false]);
  const stuck = summarize(snapshot({ runningMount: beat(5 * 60_000) }), context);
  assertEquals(stuck.mirror.nextAction, "restart-mount");
  assertEquals(stuck.actionable, true);
  assertIncludes(
    formatStatus(stuck),
    "mount: pid 4242 holds the folder but has not answered since 2026-11-24T11:55:00.000Z",
  );
  assertEquals(summarize(snapshot({ runningMount: null }), context).mirror.stuckMount, null);
});
