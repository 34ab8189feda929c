import { assertEquals, assertIncludes } from "../support/assert.ts";
import { parseJson, runRelayfile } from "../support/cli.ts";
import { fixtureHome } from "./_mount.ts";

type Op = Record<string, unknown>;

async function listOps(mount: string, env: Record<string, string>, ...filters: string[]): Promise<Op[]> {
  const result = await runRelayfile(["writeback", "list", "--json", "--dir", mount, ...filters], { env });
  assertEquals(result.code, 0, result.stderr);
  const document = parseJson(result.stdout);
  assertEquals(document.schemaVersion, 1);
  return document.ops as Op[];
}

Deno.test("list prints every op of the mount with its state", async () => {
  await using m = await fixtureHome("relayfile");
  const ops = await listOps(m.mount, m.env);
  assertEquals(ops.map((op) => [op.opId, op.state]), [
    ["op_a1", "pending"],
    ["op_a2", "in_flight"],
    ["op_a3", "retry_wait"],
    ["op_d1", "dead_lettered"],
  ]);
  const text = await runRelayfile(["writeback", "list", "--dir", m.mount], { env: m.env });
  assertEquals(text.stdout.split("\n")[0], "op_id\tpath\tstate\tts\tprovider\tattempts\tlast_status\tnext_action");
  assertIncludes(
    text.stdout,
    "op_d1\t/reports/q3.md\tdead_lettered\t2026-11-24T01:20:00.000Z\treports\t1\t422\tfix-payload\n",
  );
});

Deno.test("list filters by --state, --path, --status and --older-than", async () => {
  await using m = await fixtureHome("relayfile");
  const ids = (ops: Op[]) => ops.map((op) => op.opId);
  assertEquals(ids(await listOps(m.mount, m.env, "--state", "dead")), ["op_d1"]);
  assertEquals(ids(await listOps(m.mount, m.env, "--state", "pending,in_flight")), ["op_a1", "op_a2"]);
  assertEquals(ids(await listOps(m.mount, m.env, "--path", "/docs/**")), ["op_a1", "op_a2"]);
  assertEquals(ids(await listOps(m.mount, m.env, "--status", "4xx")), ["op_a3", "op_d1"]);
  assertEquals(ids(await listOps(m.mount, m.env, "--status", "422")), ["op_d1"]);
  assertEquals(ids(await listOps(m.mount, m.env, "--status", "429")), ["op_a3"]);
  assertEquals(ids(await listOps(m.mount, m.env, "--older-than", "3650d")), []);
  assertEquals((await listOps(m.mount, m.env, "--older-than", "1s")).length, 4);
});

Deno.test("list shows the Go formats side by side", async () => {
  await using m = await fixtureHome("go-outbox");
  const ops = await listOps(m.mount, m.env);
  assertEquals(ops.map((op) => [op.path, op.state, op.source]), [
    ["/docs/big.bin", "dead_lettered", "go-outbox"],
    ["/docs/queued.md", "pending", "go-outbox"],
    ["/docs/backoff.md", "retry_wait", "go-outbox"],
    ["/docs/rejected.md", "dead_lettered", "go-outbox"],
  ]);
});

Deno.test("list rejects a bad filter value with exit 2, naming the flag", async () => {
  await using m = await fixtureHome("relayfile");
  for (const [flag, value] of [["--state", "done"], ["--status", "abc"], ["--older-than", "soon"]]) {
    const result = await runRelayfile(["writeback", "list", "--dir", m.mount, flag!, value!], { env: m.env });
    assertEquals(result.code, 2, `${flag} ${value}`);
    assertIncludes(result.stderr, `error: option '${flag} <`);
  }
});
