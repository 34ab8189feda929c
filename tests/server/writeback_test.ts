/** The provider side of `relayfile serve`: external writeback with pending, ack and replay; rejects in auto mode. */
import { assertEquals, assertOk } from "../support/assert.ts";
import { usingTempDir } from "../support/temp_dir.ts";
import { usingServer, WORKSPACE } from "./_server.ts";

const CONSUMER_SCOPES = ["fs:read", "fs:write", "ops:read", "ops:replay", "sync:read", "sync:trigger"];

Deno.test("external writeback: ops stay pending until acked; an ack says delivered or dead-lettered", async () => {
  await using s = await usingServer({ provider: { mode: "external", rejectPaths: [] } });
  const consumer = await s.server.mintToken({ workspace: WORKSPACE, agent: "provider", scopes: CONSUMER_SCOPES });
  const written = await s.api("POST", "fs/bulk", {
    body: { files: [{ path: "/docs/a.md", content: "a" }, { path: "/docs/b.md", content: "b" }] },
  });
  const [a, b] = written.json.results as { opId: string; writeback: { state: string } }[];
  assertEquals([a!.writeback.state, b!.writeback.state], ["pending", "pending"]);
  const pending = await s.api("GET", "writeback/pending", { token: consumer });
  assertEquals((pending.json as { id: string }[]).map((op) => op.id), [a!.opId, b!.opId]);

  const ok = await s.api("POST", `writeback/${a!.opId}/ack`, { token: consumer, body: { success: true } });
  assertEquals([ok.status, ok.json.status, ok.json.success], [200, "acknowledged", true]);
  const no = await s.api("POST", `writeback/${b!.opId}/ack`, {
    token: consumer,
    body: { success: false, error: "provider said no", providerResult: { code: "validation" } },
  });
  assertEquals(no.status, 200);
  const delivered = (await s.api("GET", `ops/${a!.opId}`)).json;
  const rejected = (await s.api("GET", `ops/${b!.opId}`)).json;
  assertEquals([delivered.status, rejected.status, rejected.lastError], [
    "succeeded",
    "dead_lettered",
    "provider said no",
  ]);
  assertOk(delivered.completedAt && rejected.completedAt);
  assertEquals(rejected.providerResult, { code: "validation" });
  assertEquals((await s.api("GET", "writeback/pending", { token: consumer })).json, []);
});

Deno.test("ack and replay refuse what they cannot do: bad body 400, unknown op 404, replay of a live op 409", async () => {
  await using s = await usingServer({ provider: { mode: "external", rejectPaths: [] } });
  const consumer = await s.server.mintToken({ workspace: WORKSPACE, agent: "provider", scopes: CONSUMER_SCOPES });
  const { opId } = (await s.write("/a.md", "a")).json.results[0];
  const bad = await s.api("POST", `writeback/${opId}/ack`, { token: consumer, body: { success: "yes" } });
  assertEquals([bad.status, bad.json.code], [400, "bad_request"]);
  assertEquals((await s.api("POST", "writeback/op_999/ack", { token: consumer, body: { success: true } })).status, 404);
  const live = await s.api("POST", `ops/${opId}/replay`, { token: consumer });
  assertEquals([live.status, live.json.code], [409, "invalid_state"]);
  assertEquals((await s.api("POST", `writeback/${opId}/ack`, { body: { success: true } })).status, 403, "sync:trigger");
});

Deno.test("replay sends a dead-lettered op back to the provider; ops and statuses survive a restart", async () => {
  await using data = await usingTempDir();
  const options = { dataDir: data.path, provider: { mode: "external" as const, rejectPaths: [] } };
  let opId: string;
  {
    await using s = await usingServer(options);
    const consumer = await s.server.mintToken({ workspace: WORKSPACE, agent: "provider", scopes: CONSUMER_SCOPES });
    opId = (await s.write("/a.md", "a")).json.results[0].opId;
    await s.api("POST", `writeback/${opId}/ack`, { token: consumer, body: { success: false, error: "later" } });
  }
  await using s = await usingServer(options);
  const consumer = await s.server.mintToken({ workspace: WORKSPACE, agent: "provider", scopes: CONSUMER_SCOPES });
  assertEquals((await s.api("GET", `ops/${opId}`)).json.status, "dead_lettered");
  const replayed = await s.api("POST", `ops/${opId}/replay`, { token: consumer });
  assertEquals([replayed.status, replayed.json.status], [202, "queued"]);
  const op = (await s.api("GET", `ops/${opId}`)).json;
  assertEquals([op.status, op.attemptCount, op.lastError], ["pending", 0, undefined]);
});

Deno.test("auto writeback: the provider takes every write at once, except paths it is told to reject", async () => {
  await using s = await usingServer({ provider: { mode: "auto", rejectPaths: ["/rejected/**"] } });
  const written = await s.api("POST", "fs/bulk", {
    body: { files: [{ path: "/docs/a.md", content: "a" }, { path: "/rejected/b.md", content: "b" }] },
  });
  const states = (written.json.results as { writeback: { state: string } }[]).map((r) => r.writeback.state);
  assertEquals(states, ["succeeded", "dead_lettered"]);
  assertEquals(await s.read("/rejected/b.md"), "b", "the server has the file; the provider refused it");
});
