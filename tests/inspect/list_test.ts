import type { WritebackSnapshot } from "../../src/inspect/snapshot.ts";
import {
  filterItems,
  type ListItem,
  listItems,
  listRow,
  parseStates,
  parseStatusFilter,
} from "../../src/inspect/list.ts";
import { assertEquals } from "../support/assert.ts";

const NOW = Date.parse("2026-11-24T12:00:00Z");

const snapshot: WritebackSnapshot = {
  mountDir: "/m",
  state: null,
  hasOutbox: true,
  queued: [
    {
      opId: "op_b",
      path: "/docs/b.md",
      state: "retry_wait",
      attempts: 2,
      createdAt: "2026-11-24T11:50:00Z",
      lastError: { status: 503, message: "down" },
      source: "relayfile",
      files: [],
    },
  ],
  deadLettered: [{
    opId: "op_a",
    path: "/notion/a.md,/docs/deep/c.md",
    paths: ["/notion/a.md", "/docs/deep/c.md"],
    attempts: 1,
    lastStatus: 413,
    ts: "2026-11-23T12:00:00Z",
    reason: "too large",
    classification: "invalid_payload",
    nextAction: "fix-payload",
    source: "go-dead-letter",
    files: [],
  }],
  conflicts: [],
  besideCopies: {},
  problems: [],
  runningMount: null,
};

const ids = (items: ListItem[]) => items.map((item) => item.opId);

Deno.test("listItems() lists queued and dead-lettered ops sorted by op id", () => {
  const items = listItems(snapshot);
  assertEquals(ids(items), ["op_a", "op_b"]);
  assertEquals(listRow(items[0]!), [
    "op_a",
    "/notion/a.md,/docs/deep/c.md",
    "dead_lettered",
    "2026-11-23T12:00:00Z",
    "notion",
    "1",
    "413",
    "fix-payload",
  ]);
  assertEquals(listRow(items[1]!), ["op_b", "/docs/b.md", "retry_wait", "-", "docs", "2", "503", "-"]);
});

Deno.test("a file at the root belongs to no provider: the list shows -", () => {
  const root = listItems({ ...snapshot, queued: [{ ...snapshot.queued[0]!, opId: "op_r", path: "/a.md" }] });
  assertEquals(listRow(root.find((item) => item.opId === "op_r")!)[4], "-");
});

Deno.test("filterItems() narrows by state, path glob, status and age", () => {
  const items = listItems(snapshot);
  assertEquals(ids(filterItems(items, { states: parseStates("dead")! }, NOW)), ["op_a"]);
  assertEquals(ids(filterItems(items, { path: "/docs/*.md" }, NOW)), ["op_b"]);
  assertEquals(ids(filterItems(items, { path: "/docs/**" }, NOW)), ["op_a", "op_b"], "any path of a bulk record");
  assertEquals(ids(filterItems(items, { status: parseStatusFilter("4xx")! }, NOW)), ["op_a"]);
  assertEquals(ids(filterItems(items, { status: parseStatusFilter("500,503")! }, NOW)), ["op_b"]);
  assertEquals(ids(filterItems(items, { olderThanMs: 3_600_000 }, NOW)), ["op_a"]);
});

Deno.test("parseStates() accepts the Go CLI's 'dead' and dashed spellings and rejects others", () => {
  assertEquals([...parseStates("dead,retry-wait,in_flight")!], ["dead_lettered", "retry_wait", "in_flight"]);
  assertEquals(parseStates("done"), undefined);
});

Deno.test("parseStatusFilter() rejects what is not a status or class", () => {
  assertEquals(parseStatusFilter("abc"), undefined);
  assertEquals(parseStatusFilter("600"), undefined);
  assertEquals(parseStatusFilter("5xx")!(599), true);
});
