import { join } from "node:path";
import { assertEquals, assertIncludes, assertNotIncludes, assertOk } from "../support/assert.ts";
import { parseJson, runRelayfile } from "../support/cli.ts";
import { exists } from "../support/temp_dir.ts";
import { fixtureHome } from "./_mount.ts";

Deno.test("status of a Go seed mount lists its dead letters and exits 1", async () => {
  await using m = await fixtureHome("go-seed");
  const result = await runRelayfile(["writeback", "status", "--dir", m.mount], { env: m.env });
  assertEquals(result.code, 1);
  assertIncludes(result.stdout, "workspace: ws_demo\n");
  assertIncludes(result.stdout, "failed attempts (lifetime): 7\ndead-lettered: 2\n");
  assertIncludes(result.stdout, "op_deadletter_400\t/notion/Bad.md\t400\t2026-05-05T18:41:34Z\tfix-payload\t");
  assertIncludes(result.stderr, "error: writeback failures present\n");
  assertIncludes(result.stderr, "hint: fix the cause, then: relayfile writeback retry --opId op_deadletter_400");
});

Deno.test("status --json carries every Go field under the same names, schemaVersion first", async () => {
  await using m = await fixtureHome("go-seed");
  const result = await runRelayfile(["writeback", "status", "--json", "--dir", m.mount], { env: m.env });
  assertEquals(result.code, 1);
  const report = parseJson(result.stdout);
  assertEquals(Object.keys(report).slice(0, 6), [
    "schemaVersion",
    "workspaceId",
    "pending",
    "failed",
    "deadLettered",
    "lastErrorByProvider",
  ]);
  assertEquals([report.schemaVersion, report.workspaceId, report.pending, report.failed], [1, "ws_demo", 0, 7]);
  const deadLettered = report.deadLettered as Record<string, unknown>[];
  assertEquals(deadLettered.map((entry) => [entry.opId, entry.path, entry.lastStatus, entry.ts]), [
    ["op_deadletter_400", "/notion/Bad.md", 400, "2026-05-05T18:41:34Z"],
    ["op_failed_mount_1746470494123456789", "/notion/a.md,/notion/b.md", 503, "2026-05-05T18:42:00Z"],
  ]);
  assertEquals(deadLettered.map((entry) => entry.nextAction), ["fix-payload", "retry"]);
  assertEquals(report.actionable, true);
});

Deno.test("status exits 0 on a lifetime failure counter alone and still prints it", async () => {
  await using m = await fixtureHome("go-lifetime-counter");
  const result = await runRelayfile(["writeback", "status", "--dir", m.mount], { env: m.env });
  assertEquals(result.code, 0);
  assertIncludes(result.stdout, "failed attempts (lifetime): 7\n");
  assertIncludes(result.stdout, "dead-lettered: 0\n");
  assertNotIncludes(result.stdout, "no failures");
  assertEquals(result.stderr, "");
});

Deno.test("status --dir of a folder that is not a mount exits 3 and says so, instead of 'no failures'", async () => {
  await using m = await fixtureHome();
  const result = await runRelayfile(["writeback", "status", "--dir", m.mount], { env: m.env });
  assertEquals(result.code, 3);
  assertEquals(result.stdout, "");
  assertIncludes(result.stderr, "is not a mount: it has no .relay folder");
});

Deno.test("status gates on the Go mount's outbox: records needing attention and markers are actionable", async () => {
  await using m = await fixtureHome("go-outbox");
  const result = await runRelayfile(["writeback", "status", "--json", "--dir", m.mount], { env: m.env });
  assertEquals(result.code, 1);
  const report = parseJson(result.stdout);
  assertEquals([report.pending, report.queued, report.retryWaiting], [2, 1, 1]);
  const deadLettered = report.deadLettered as Record<string, unknown>[];
  assertEquals(deadLettered.map((entry) => [entry.path, entry.source]), [
    ["/docs/big.bin", "go-outbox"],
    ["/docs/rejected.md", "go-outbox"],
  ]);
});

Deno.test("status reads provider errors from the Go CLI snapshot and exits 0 without dead letters", async () => {
  await using m = await fixtureHome("go-cli-snapshot");
  const result = await runRelayfile(["writeback", "status", "--json", "--dir", m.mount], { env: m.env });
  assertEquals(result.code, 0);
  const report = parseJson(result.stdout);
  assertEquals(report.lastErrorByProvider, { notion: "notion API returned 502" });
  assertEquals([report.pending, report.failed], [2, 3]);
});

Deno.test("status of this project's mount counts each op state, the oldest pending op and conflicts", async () => {
  await using m = await fixtureHome("relayfile");
  const result = await runRelayfile(["writeback", "status", "--json", "--dir", m.mount], { env: m.env });
  assertEquals(result.code, 1);
  const report = parseJson(result.stdout);
  assertEquals(
    [report.pending, report.queued, report.inFlight, report.retryWaiting, report.failedWritebacks, report.conflicts],
    [3, 1, 1, 1, 5, 1],
  );
  const oldest = report.oldestPending as Record<string, unknown>;
  assertEquals([oldest.opId, oldest.since], ["op_a3", "2026-11-24T00:30:00.000Z"]);
  assertOk((oldest.ageSeconds as number) > 0);
  const [dead] = report.deadLettered as Record<string, unknown>[];
  assertEquals([dead!.opId, dead!.lastStatus, dead!.reason, dead!.nextAction], [
    "op_d1",
    422,
    "frontmatter: title is required",
    "fix-payload",
  ]);
});

Deno.test("status reports malformed records by file and reason, exits 1, and deletes nothing", async () => {
  await using m = await fixtureHome("malformed");
  const result = await runRelayfile(["writeback", "status", "--dir", m.mount], { env: m.env });
  assertEquals(result.code, 1);
  assertIncludes(result.stdout, "Unreadable records (kept as they are):\n");
  assertIncludes(result.stdout, "op_truncated.json: Unterminated string in JSON");
  assertIncludes(result.stdout, 'op_wrong_types.json: attempts: Invalid type: Expected number but received "three"');
  assertIncludes(result.stdout, 'op_unknown_state.json: state: Invalid type: Expected ("pending" | "in_flight"');
  assertOk(await exists(join(m.mount, ".relay/dead-letter/op_truncated.json")));
  assertOk(await exists(join(m.mount, ".relay/outbox/op_unknown_state.json")));
});

Deno.test("status WORKSPACE finds the mount in workspaces.json with no credentials file", async () => {
  await using m = await fixtureHome("go-seed");
  await m.register("demo", "ws_demo");
  assertEquals(await exists(join(m.home, ".relayfile/credentials.json")), false);
  const byName = await runRelayfile(["writeback", "status", "demo"], { env: m.env });
  assertEquals(byName.code, 1);
  assertIncludes(byName.stdout, "workspace: ws_demo (demo)\n");
  const byEnv = await runRelayfile(["writeback", "status"], { env: { ...m.env, RELAYFILE_WORKSPACE: "ws_demo" } });
  assertIncludes(byEnv.stdout, `local mirror: ${m.mount}\n`);
});

Deno.test("status resolves the workspace from the token's claim and never prints the token", async () => {
  await using m = await fixtureHome("go-lifetime-counter");
  await m.register("ws_claim");
  const token = `eyJhbGciOiJIUzI1NiJ9.${btoa(JSON.stringify({ wks: "ws_claim" })).replaceAll("=", "")}.c2ln`;
  const result = await runRelayfile(["writeback", "status", "--json"], { env: { ...m.env, RELAYFILE_TOKEN: token } });
  assertEquals(result.code, 0);
  assertEquals(parseJson(result.stdout).workspaceId, "ws_claim");
  assertNotIncludes(result.stdout + result.stderr, token);
});

Deno.test("status exits 3 for a workspace with no local mirror and for a missing folder", async () => {
  await using m = await fixtureHome();
  const unknown = await runRelayfile(["writeback", "status", "ws_nowhere"], { env: m.env });
  assertEquals(unknown.code, 3);
  assertIncludes(unknown.stderr, "error: workspace ws_nowhere has no local mirror\nhint: ");
  const missing = await runRelayfile(["writeback", "status", "--dir", join(m.home, "nope")], { env: m.env });
  assertEquals(missing.code, 3);
  const nothing = await runRelayfile(["writeback", "status"], { env: m.env });
  assertEquals(nothing.code, 2);
  assertIncludes(nothing.stderr, "error: workspace is required");
});

Deno.test("status PATH answers per path and exits 0 only when every path is synced", async () => {
  await using m = await fixtureHome("relayfile");
  const synced = await runRelayfile(["writeback", "status", "--dir", m.mount, "/docs/synced.md"], { env: m.env });
  assertEquals(synced.code, 0);
  assertEquals(synced.stdout, "/docs/synced.md\tsynced (rev_12)\n");

  const mixed = await runRelayfile(
    [
      "writeback",
      "status",
      "--dir",
      m.mount,
      "docs/synced.md",
      "reports/q3.md",
      "/docs/new.md",
      "/docs/clash.md",
      "/x",
    ],
    { env: m.env },
  );
  assertEquals(mixed.code, 1);
  assertEquals(
    mixed.stdout,
    "/docs/synced.md\tsynced (rev_12)\n/reports/q3.md\tdead-lettered (op_d1)\n/docs/new.md\tpending (op_a1)\n" +
      "/docs/clash.md\tconflict\n/x\tunknown\n",
  );

  const fromInside = await runRelayfile(["writeback", "status", "--json", "--dir", "..", "synced.md"], {
    env: m.env,
    cwd: join(m.mount, "docs"),
  });
  assertEquals((parseJson(fromInside.stdout).paths as unknown[])[0], {
    path: "/docs/synced.md",
    state: "synced",
    revision: "rev_12",
  });

  // No workspace of that name: a file of a mount, which is then the mount reported (as CI would write it).
  const byFile = await runRelayfile(["writeback", "status", "docs/synced.md", "reports/q3.md"], {
    env: m.env,
    cwd: m.mount,
  });
  assertEquals([byFile.code, byFile.stdout], [
    1,
    "/docs/synced.md\tsynced (rev_12)\n/reports/q3.md\tdead-lettered (op_d1)\n",
  ]);
});

Deno.test("status accepts the Go CLI's single-dash flags", async () => {
  await using m = await fixtureHome("go-lifetime-counter");
  const result = await runRelayfile(["writeback", "status", "-json", "-dir", m.mount], { env: m.env });
  assertEquals(result.code, 0);
  assertEquals(parseJson(result.stdout).failed, 7);
});
