import { join } from "node:path";
import { assertEquals, assertIncludes, assertOk } from "../support/assert.ts";
import { parseJson, runRelayfile } from "../support/cli.ts";
import { exists } from "../support/temp_dir.ts";
import { fixtureHome } from "./_mount.ts";

Deno.test("retry --opId re-enqueues a dead letter, after which status is clean", async () => {
  await using m = await fixtureHome("relayfile");
  const retry = await runRelayfile(["writeback", "retry", "--opId", "op_d1", "--dir", m.mount], { env: m.env });
  assertEquals([retry.code, retry.stdout], [0, "Retry queued for op op_d1\n"]);
  assertIncludes(
    retry.stderr,
    "note: no server or token for this folder here: the next relayfile mount of it sends them",
  );
  const outboxOp = JSON.parse(await Deno.readTextFile(join(m.mount, ".relay/outbox/op_d1.json")));
  assertEquals([outboxOp.state, outboxOp.attempts], ["pending", 0]);

  const status = await runRelayfile(["writeback", "status", "--json", "--dir", m.mount], { env: m.env });
  assertEquals(status.code, 0);
  const report = parseJson(status.stdout);
  assertEquals([report.pending, (report.deadLettered as unknown[]).length], [4, 0]);
});

Deno.test("retry of an unknown op exits 3 and names it", async () => {
  await using m = await fixtureHome("relayfile");
  const result = await runRelayfile(["writeback", "retry", "--opId", "op_nope", "--dir", m.mount], { env: m.env });
  assertEquals(result.code, 3);
  assertIncludes(result.stderr, 'error: unknown dead-letter op "op_nope"\n');
});

Deno.test("retry of an invalid record exits 3 and keeps the file", async () => {
  await using m = await fixtureHome("malformed");
  const result = await runRelayfile(["writeback", "retry", "--opId", "op_truncated", "--dir", m.mount], { env: m.env });
  assertEquals(result.code, 3);
  assertIncludes(result.stderr, "error: invalid dead-letter record ");
  assertIncludes(result.stderr, "op_truncated.json: Unterminated string in JSON");
  assertOk(await exists(join(m.mount, ".relay/dead-letter/op_truncated.json")));
});

Deno.test("retry of an op that is still queued says so and exits 3", async () => {
  await using m = await fixtureHome("relayfile");
  const result = await runRelayfile(["writeback", "retry", "--opId", "op_a3", "--dir", m.mount], { env: m.env });
  assertEquals(result.code, 3);
  assertIncludes(result.stderr, 'op "op_a3" is not dead-lettered: it is retry wait');
});

Deno.test("retry validates its selection: an unsafe opId, nothing chosen, or both ways at once exit 2", async () => {
  await using m = await fixtureHome("relayfile");
  const cases = [
    [["--opId", "../etc/passwd"], 'invalid opId "../etc/passwd"'],
    [[], "retry needs --opId OP, or --all"],
    [["--opId", "op_d1", "--all"], "pass either --opId OP or --all"],
    [["--opId"], "error: option '--opId <op>' argument missing"],
  ] as const;
  for (const [args, message] of cases) {
    const result = await runRelayfile(["writeback", "retry", "--dir", m.mount, ...args], { env: m.env });
    assertEquals(result.code, 2, args.join(" "));
    assertIncludes(result.stderr, message);
  }
});

Deno.test("retry --all --dry-run prints what would go out and changes nothing", async () => {
  await using m = await fixtureHome("go-seed");
  const result = await runRelayfile(["writeback", "retry", "--all", "--dry-run", "--dir", m.mount], { env: m.env });
  assertEquals(result.code, 0);
  assertEquals(
    result.stdout,
    "Would retry op op_deadletter_400 (/notion/Bad.md)\n" +
      "Would retry op op_failed_mount_1746470494123456789 (/notion/a.md,/notion/b.md)\n",
  );
  assertEquals(await exists(join(m.mount, ".relay/outbox")), false);
});

Deno.test("retry --all goes on past an op that cannot be retried and exits 3", async () => {
  await using m = await fixtureHome("go-seed");
  await Deno.remove(join(m.mount, "Bad.md"));
  const result = await runRelayfile(["writeback", "retry", "--all", "--json", "--dir", m.mount], { env: m.env });
  assertEquals(result.code, 3);
  const document = parseJson(result.stdout);
  assertEquals((document.retried as Record<string, unknown>[]).map((entry) => entry.opId), [
    "op_failed_mount_1746470494123456789",
  ]);
  assertEquals((document.failed as Record<string, unknown>[])[0]?.opId, "op_deadletter_400");
  assertOk(await exists(join(m.mount, ".relay/dead-letter/op_deadletter_400.json")));
});

Deno.test("retry --from current says when the local file differs from the failed payload", async () => {
  await using m = await fixtureHome("relayfile");
  const result = await runRelayfile(
    ["writeback", "retry", "--opId", "op_d1", "--from", "current", "--dir", m.mount],
    { env: m.env },
  );
  assertEquals(result.code, 0);
  assertIncludes(result.stderr, "note: op op_d1: the current local content of /reports/q3.md differs");
});

Deno.test("retry of a Go outbox record exits 3 with a hint", async () => {
  await using m = await fixtureHome("go-outbox");
  const result = await runRelayfile(
    ["writeback", "retry", "--opId", "mountcmd_11111111111111111111111111111111", "--dir", m.mount],
    { env: m.env },
  );
  assertEquals(result.code, 3);
  assertIncludes(result.stderr, "hint: run the Go mount to resend it");
});

Deno.test("discard removes a dead letter on purpose and logs it; discard --all clears the gate", async () => {
  await using m = await fixtureHome("go-seed");
  const one = await runRelayfile(["writeback", "discard", "--opId", "op_deadletter_400", "--dir", m.mount], {
    env: m.env,
  });
  assertEquals([one.code, one.stdout], [0, "Discarded op op_deadletter_400 (/notion/Bad.md)\n"]);
  assertEquals((await runRelayfile(["writeback", "status", "--dir", m.mount], { env: m.env })).code, 1);

  const all = await runRelayfile(["writeback", "discard", "--all", "--status", "5xx", "--dir", m.mount], {
    env: m.env,
  });
  assertEquals(all.code, 0);
  assertEquals((await runRelayfile(["writeback", "status", "--dir", m.mount], { env: m.env })).code, 0);

  const log = (await Deno.readTextFile(join(m.mount, ".relay/discarded.log"))).trim().split("\n").map((line) =>
    JSON.parse(line)
  );
  assertEquals(log.map((entry) => entry.opId), ["op_deadletter_400", "op_failed_mount_1746470494123456789"]);
});

Deno.test("discard --dry-run and an unknown op change nothing", async () => {
  await using m = await fixtureHome("relayfile");
  const dry = await runRelayfile(["writeback", "discard", "--all", "--dry-run", "--dir", m.mount], { env: m.env });
  assertEquals([dry.code, dry.stdout], [0, "Would discard op op_d1 (/reports/q3.md)\n"]);
  const unknown = await runRelayfile(["writeback", "discard", "--opId", "nope", "--dir", m.mount], { env: m.env });
  assertEquals(unknown.code, 3);
  assertOk(await exists(join(m.mount, ".relay/dead-letter/op_d1.json")));
  assertOk(!(await exists(join(m.mount, ".relay/discarded.log"))));
});
