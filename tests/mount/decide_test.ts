import { decideLocal, decideRemoteDelete, decideRemoteFile, type PathFacts } from "../../src/mount/decide.ts";
import { assertEquals } from "../support/assert.ts";

const tracked = { revision: "rev_1", hash: "h1" };
const facts = (overrides: Partial<PathFacts>): PathFacts => ({ tracked, localHash: "h1", queued: null, ...overrides });

Deno.test("decideRemoteFile() never overwrites a local change silently", async (t) => {
  const remote = { revision: "rev_2", hash: "h2" };
  const table: [string, PathFacts, string][] = [
    ["same revision, nothing queued", facts({}), "skip"],
    ["unchanged here, changed there", facts({}), "write"],
    ["no local file", facts({ localHash: null }), "write"],
    ["new on both sides with the same bytes", facts({ tracked: null, localHash: "h2" }), "adopt"],
    ["changed here, changed there", facts({ localHash: "h9" }), "conflict"],
    [
      "changed here and queued, changed there",
      facts({ localHash: "h9", queued: { hash: "h9", inFlight: false } }),
      "conflict",
    ],
    ["created here, created there with other bytes", facts({ tracked: null, localHash: "h9" }), "conflict"],
    ["an upload in flight", facts({ queued: { hash: "h9", inFlight: true } }), "defer"],
  ];
  for (const [name, input, expected] of table) {
    await t.step(name, () => {
      const revision = name.startsWith("same revision") ? { revision: "rev_1", hash: "h1" } : remote;
      assertEquals(decideRemoteFile(input, revision), expected);
    });
  }
});

Deno.test("decideRemoteDelete() keeps a locally changed file", async (t) => {
  const table: [string, PathFacts, string][] = [
    ["unchanged here", facts({}), "remove"],
    ["changed here", facts({ localHash: "h9" }), "keep-local"],
    ["queued here", facts({ queued: { hash: "h1", inFlight: false } }), "keep-local"],
    ["already gone here", facts({ localHash: null }), "forget"],
    ["untracked", facts({ tracked: null }), "forget"],
    ["in flight", facts({ queued: { hash: "h9", inFlight: true } }), "defer"],
  ];
  for (const [name, input, expected] of table) {
    await t.step(name, () => assertEquals(decideRemoteDelete(input), expected));
  }
});

Deno.test("decideLocal() turns what changed on disk into uploads, deletes or restores", async (t) => {
  const writable = { writable: true, deadLetteredHash: undefined };
  const table: [string, PathFacts, { writable: boolean; deadLetteredHash: string | null | undefined }, string][] = [
    ["unchanged", facts({}), writable, "none"],
    ["edited", facts({ localHash: "h2" }), writable, "upload"],
    ["created", facts({ tracked: null, localHash: "h2" }), writable, "upload"],
    [
      "already queued with these bytes",
      facts({ localHash: "h2", queued: { hash: "h2", inFlight: false } }),
      writable,
      "none",
    ],
    [
      "edited again while queued",
      facts({ localHash: "h3", queued: { hash: "h2", inFlight: false } }),
      writable,
      "upload",
    ],
    ["dead-lettered with these bytes", facts({ localHash: "h2" }), { writable: true, deadLetteredHash: "h2" }, "none"],
    ["dead-lettered, then edited", facts({ localHash: "h3" }), { writable: true, deadLetteredHash: "h2" }, "upload"],
    ["deleted", facts({ localHash: null }), writable, "delete"],
    [
      "deleted, delete already queued",
      facts({ localHash: null, queued: { hash: null, inFlight: false } }),
      writable,
      "none",
    ],
    [
      "created then deleted before upload",
      facts({ tracked: null, localHash: null, queued: { hash: "h2", inFlight: false } }),
      writable,
      "delete",
    ],
    ["never existed", facts({ tracked: null, localHash: null }), writable, "none"],
    [
      "edited without write access",
      facts({ localHash: "h2" }),
      { writable: false, deadLetteredHash: undefined },
      "restore",
    ],
    [
      "deleted without write access",
      facts({ localHash: null }),
      { writable: false, deadLetteredHash: undefined },
      "restore",
    ],
    ["created without write access", facts({ tracked: null, localHash: "h2" }), {
      writable: false,
      deadLetteredHash: undefined,
    }, "refuse"],
  ];
  for (const [name, input, context, expected] of table) {
    await t.step(name, () => assertEquals(decideLocal(input, context), expected));
  }
});
