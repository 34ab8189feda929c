import { isSettled, type MountRecords, pushOutcome } from "../../src/inspect/push_outcome.ts";
import type { DeadLetterEntry } from "../../src/relay/entries.ts";
import type { WritebackOp } from "../../src/relay/records.ts";
import { assertEquals } from "../support/assert.ts";

const HASH = "a".repeat(64);
const OTHER = "b".repeat(64);
const empty: MountRecords = { ops: [], deadLetters: [], conflicts: [], tracked: {}, merges: {} };

function op(overrides: Partial<WritebackOp>): WritebackOp {
  return {
    schemaVersion: 1,
    opId: "op_1",
    path: "/a.md",
    kind: "update",
    state: "pending",
    contentHash: HASH,
    baseRevision: "rev_1",
    attempts: 0,
    createdAt: "2026-11-29T10:00:00.000Z",
    updatedAt: "2026-11-29T10:00:00.000Z",
    history: [],
    ...overrides,
  };
}

function dead(contentHash: string, provider?: string): DeadLetterEntry {
  return {
    opId: "op_9",
    path: "/a.md",
    paths: ["/a.md"],
    attempts: 1,
    lastStatus: 422,
    reason: "invalid",
    classification: provider ? "provider" : "invalid_payload",
    nextAction: "fix-payload",
    source: "relayfile",
    files: [],
    record: {
      ...op({ opId: "op_9", contentHash }),
      lastStatus: 422,
      lastBody: "",
      ts: "",
      classification: "invalid_payload",
      nextAction: "fix-payload",
      ...(provider ? { provider: { serverOpId: "op_4", name: "", status: "failed", error: provider } } : {}),
    } as DeadLetterEntry["record"],
  };
}

const pushed = { path: "/a.md", hash: HASH };

Deno.test("a pushed file nobody has looked at yet is unseen, not settled", () => {
  const outcome = pushOutcome(pushed, empty);
  assertEquals([outcome.state, isSettled(outcome)], ["unseen", false]);
});

Deno.test("a pushed file is pending in the outbox, then accepted, then delivered once the tracked hash is its own", () => {
  assertEquals(pushOutcome(pushed, { ...empty, ops: [op({ history: [{ at: "", status: 503, error: "down" }] })] }), {
    state: "pending",
    opId: "op_1",
    error: "down",
  });
  const receipt = { serverOpId: "op_4", acceptedAt: "", revision: "rev_2" };
  assertEquals(pushOutcome(pushed, { ...empty, ops: [op({ state: "accepted", receipt })] }), {
    state: "accepted",
    opId: "op_1",
    serverOpId: "op_4",
    revision: "rev_2",
  });
  assertEquals(pushOutcome(pushed, { ...empty, tracked: { "/a.md": { revision: "rev_2", hash: HASH } } }), {
    state: "delivered",
    revision: "rev_2",
  });
});

Deno.test("a pushed file is followed by its content: another content's op or tracked hash is not its outcome", () => {
  const records = { ...empty, ops: [op({ contentHash: OTHER })], tracked: { "/a.md": { revision: "r", hash: OTHER } } };
  assertEquals(pushOutcome(pushed, records).state, "unseen");
  assertEquals(pushOutcome(pushed, { ...empty, deadLetters: [dead(OTHER)] }).state, "unseen");
});

Deno.test("a refused push names who refused it; a conflict copy of the path settles it as a conflict", () => {
  assertEquals(pushOutcome(pushed, { ...empty, deadLetters: [dead(HASH)] }), {
    state: "refused",
    opId: "op_9",
    error: "invalid",
  });
  assertEquals(pushOutcome(pushed, { ...empty, deadLetters: [dead(HASH, "provider says no")] }), {
    state: "refused",
    opId: "op_9",
    error: "provider says no",
    serverOpId: "op_4",
  });
  const conflict = pushOutcome(pushed, { ...empty, conflicts: [{ remotePath: "/a.md", revision: "r", file: "f" }] });
  assertEquals([conflict.state, isSettled(conflict)], ["conflict", true]);
});

Deno.test("a pushed delete is delivered once the path is no longer tracked and no delete op waits", () => {
  const deletion = { path: "/a.md", hash: null };
  const tracked = { "/a.md": { revision: "rev_1", hash: HASH } };
  assertEquals(pushOutcome(deletion, { ...empty, tracked }).state, "unseen");
  assertEquals(pushOutcome(deletion, { ...empty, ops: [op({ kind: "delete", contentHash: null })] }).state, "pending");
  assertEquals(pushOutcome(deletion, empty).state, "delivered");
});

Deno.test("a pushed content the mount merged with a newer revision is followed into the merge", () => {
  const merged = "c".repeat(64);
  const records = { ...empty, merges: { [HASH]: merged }, tracked: { "/a.md": { revision: "rev_3", hash: merged } } };
  assertEquals(pushOutcome(pushed, records), { state: "delivered", revision: "rev_3", merged: true });
  assertEquals(pushOutcome(pushed, { ...records, tracked: {}, ops: [op({ contentHash: merged })] }).state, "pending");
});
