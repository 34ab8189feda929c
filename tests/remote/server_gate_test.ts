import { RelayfileClient } from "../../src/remote/client.ts";
import { NetworkError } from "../../src/remote/errors.ts";
import { type GateClock, ServerGate } from "../../src/remote/server_gate.ts";
import { assertEquals, assertRejects } from "../support/assert.ts";
import { usingServer, WORKSPACE } from "../server/_server.ts";

/** Fake time: `sleep` resolves when the test moves the clock past its end. */
function fakeClock(): GateClock & { advance(ms: number): void; sleepers: number } {
  let now = 0;
  const waiting: { until: number; resolve: () => void }[] = [];
  return {
    now: () => now,
    sleep(ms) {
      return new Promise((resolve) => waiting.push({ until: now + ms, resolve }));
    },
    advance(ms) {
      now += ms;
      for (const sleeper of waiting.filter((entry) => entry.until <= now)) {
        waiting.splice(waiting.indexOf(sleeper), 1);
        sleeper.resolve();
      }
    },
    get sleepers() {
      return waiting.length;
    },
  };
}

Deno.test("the gate holds every request for as long as the server said, and says so once per pause", async () => {
  const clock = fakeClock();
  const holds: number[] = [];
  const gate = new ServerGate(clock, (ms) => holds.push(ms));
  await gate.pass(); // open: at once
  gate.answered(429, 3_000);
  gate.answered(429, 5_000); // a second answer of the same pause holds longer, unsaid
  gate.answered(500, undefined); // not a "wait"
  gate.answered(503, undefined); // an outage without Retry-After is the breaker's business, not the gate's
  let passed = 0;
  const both = Promise.all([gate.pass().then(() => passed++), gate.pass().then(() => passed++)]);
  clock.advance(4_999);
  await Promise.resolve();
  assertEquals(passed, 0);
  clock.advance(1);
  await both;
  assertEquals(passed, 2);
  assertEquals(holds, [3_000]);
  gate.answered(429, undefined); // no Retry-After: a short pause, said again
  assertEquals(gate.isHolding, true);
  gate.answered(503, 120 * 60_000); // an hour is taken as a minute at most
  clock.advance(60_000);
  assertEquals(gate.isHolding, false);
  assertEquals(holds.length, 2);
});

Deno.test("after the server says to wait, neither a mount's reads nor its writes reach it until then", async () => {
  const requests: string[] = [];
  await using server = await usingServer({
    rateLimit: { max: 1, windowMs: 60_000 },
    log: (line) => requests.push(line),
  });
  const gate = new ServerGate();
  const stop = new AbortController();
  const client = (signal: AbortSignal) =>
    new RelayfileClient({ baseUrl: server.server.url, workspace: WORKSPACE, token: () => server.token, signal, gate });
  const reads = client(stop.signal);
  const writes = client(stop.signal);
  await reads.events({});
  const refusedRead = reads.events({}); // 429, Retry-After ~60 s: retried only after the pause
  await new Promise((resolve) => setTimeout(resolve, 200));
  const write = writes.bulkWrite([{
    path: "/a.md",
    contentType: "text/markdown",
    content: "a",
    encoding: "",
    ifMatch: "0",
    contentIdentity: { kind: "test", key: "a", ttlSeconds: 60 },
  }]);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assertEquals(requests.map((line) => line.split(" ").slice(0, 3).join(" ")), [
    "GET /v1/workspaces/ws_test/fs/events 200",
    "GET /v1/workspaces/ws_test/fs/events 429",
  ]);
  stop.abort();
  await assertRejects(() => refusedRead, NetworkError);
  await assertRejects(() => write, NetworkError);
});
