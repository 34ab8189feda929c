import { type EventFold, feedWentBack, foldEvents } from "../../src/mount/pull.ts";
import { assertEquals } from "../support/assert.ts";

const start = (): EventFold => ({
  changed: new Set(),
  deleted: new Set(),
  deferred: new Map(),
  cursor: "evt_0",
  lastEventAt: null,
});
const never = () => false;

Deno.test("foldEvents() keeps the last word per path: a delete after a change wins, a create after a delete too", () => {
  const fold = foldEvents(
    start(),
    [
      { eventId: "evt_1", type: "file.updated", path: "/a.md", revision: "rev_2" },
      { eventId: "evt_2", type: "file.deleted", path: "/a.md" },
      { eventId: "evt_3", type: "file.deleted", path: "/b.md" },
      { eventId: "evt_4", type: "file.created", path: "/b.md", revision: "rev_5", timestamp: "2026-11-29T12:00:00Z" },
    ],
    "/",
    never,
  );
  assertEquals([...fold.changed], ["/b.md"]);
  assertEquals([...fold.deleted], ["/a.md"]);
  assertEquals([fold.cursor, fold.lastEventAt], ["evt_4", "2026-11-29T12:00:00Z"]);
});

Deno.test("foldEvents() skips our own write (tracked at its revision) but still lets it clear an earlier delete", () => {
  const fold = foldEvents(
    start(),
    [
      { eventId: "evt_1", type: "file.deleted", path: "/a.md" },
      { eventId: "evt_2", type: "file.created", path: "/a.md", revision: "rev_7" },
    ],
    "/",
    (path, revision) => path === "/a.md" && revision === "rev_7",
  );
  assertEquals([[...fold.changed], [...fold.deleted]], [[], []]);
});

Deno.test("foldEvents() ignores paths outside the remote root but moves the cursor past them", () => {
  const fold = foldEvents(
    start(),
    [
      { eventId: "evt_9", type: "file.created", path: "/other/x.md", revision: "rev_1" },
      { eventId: "evt_10", type: "file.created", path: "/docs/y.md", revision: "rev_2" },
    ],
    "/docs",
    never,
  );
  assertEquals([[...fold.changed], fold.cursor], [["/docs/y.md"], "evt_10"]);
});

Deno.test("foldEvents() fetches nothing for a path whose upload is in flight: its latest change waits for the upload", () => {
  const fold = foldEvents(
    start(),
    [
      { eventId: "evt_1", type: "file.updated", path: "/mine.md", revision: "rev_3" },
      { eventId: "evt_2", type: "file.updated", path: "/theirs.md", revision: "rev_4" },
      { eventId: "evt_3", type: "file.deleted", path: "/gone.md" },
    ],
    "/",
    never,
    (path) => path === "/mine.md" || path === "/gone.md",
  );
  assertEquals([...fold.changed], ["/theirs.md"]);
  assertEquals([...fold.deleted], []);
  assertEquals([...fold.deferred], [["/mine.md", { deleted: false, revision: "rev_3" }], ["/gone.md", {
    deleted: true,
  }]]);
});

Deno.test("feedWentBack() is true for a server reset under a mount that synced, and only then", () => {
  assertEquals(feedWentBack(undefined, "evt_57", true), true, "no event at all, though files were synced");
  assertEquals(feedWentBack(undefined, "", true), true, "no event at all, a cursor from before any event");
  assertEquals(feedWentBack(undefined, null, false), false, "nothing synced yet");
  assertEquals(feedWentBack("evt_5", "evt_57", true), true, "the newest event is older than the cursor");
  assertEquals(feedWentBack("evt_60", "evt_57", true), false);
  assertEquals(feedWentBack("evt_57", "evt_57", true), false);
  assertEquals(feedWentBack("01HZX", "01HZY", true), false, "ids not numbered alike: not decided");
});
