/** The server's front door against a real `relayfile serve` on a free port, spoken to over raw TCP. */
import { assertEquals, assertIncludes, assertMatch } from "../support/assert.ts";
import { usingServer } from "./_server.ts";
import { guardConnections } from "../../src/server/connection_guard.ts";
import { waitFor } from "../support/wait.ts";

const encoder = new TextEncoder();

async function connect(url: string): Promise<Deno.TcpConn> {
  const { hostname, port } = new URL(url);
  return await Deno.connect({ hostname, port: Number(port) });
}

/** Everything the server sends until it closes the connection (a bound of 20 s, not a timing assertion). */
async function readUntilClosed(connection: Deno.TcpConn): Promise<string> {
  let text = "";
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(4096);
  const deadline = Date.now() + 20_000;
  try {
    while (Date.now() < deadline) {
      const read = await connection.read(buffer);
      if (read === null) return text;
      text += decoder.decode(buffer.subarray(0, read), { stream: true });
    }
    throw new Error(`the server kept the connection open; it sent ${JSON.stringify(text)}`);
  } catch (error) {
    if (error instanceof Deno.errors.ConnectionReset) return text;
    throw error;
  } finally {
    try {
      connection.close();
    } catch {
      // closed
    }
  }
}

const HEALTH = "GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n";

Deno.test("a connection that never finishes its request head is answered 408 and closed", async () => {
  await using test = await usingServer({ connectionLimits: { headerTimeoutMs: 200 } });
  const connection = await connect(test.server.url);
  await connection.write(encoder.encode("GET /health HTTP/1.1\r\nhost: x\r\n"));
  assertMatch(await readUntilClosed(connection), /^HTTP\/1\.1 408 /);
});

Deno.test("a whole request is answered through the door, however the head was split", async () => {
  await using test = await usingServer({ connectionLimits: { headerTimeoutMs: 5_000 } });
  const connection = await connect(test.server.url);
  for (const part of ["GET /hea", "lth HTTP/1.1\r", "\nhost: x\r\nconnection: close\r\n", "\r\n"]) {
    await connection.write(encoder.encode(part));
  }
  const answer = await readUntilClosed(connection);
  assertMatch(answer, /^HTTP\/1\.1 200 /);
  assertIncludes(answer, '"status":"ok"');
});

Deno.test("at the cap the longest-idle connection makes room for a newcomer", async () => {
  await using test = await usingServer({ connectionLimits: { max: 1, evictIdleAfterMs: 0 } });
  const idle = await connect(test.server.url);
  const idleClosed = readUntilClosed(idle);
  const newcomer = await connect(test.server.url);
  await newcomer.write(encoder.encode(HEALTH));
  assertMatch(await readUntilClosed(newcomer), /^HTTP\/1\.1 200 /);
  assertEquals(await idleClosed, "");
});

Deno.test("at the cap a request still being sent is not cut: the newcomer gets 503 and the request its answer", async () => {
  const notices: string[] = [];
  await using test = await usingServer({
    connectionLimits: { max: 1, evictIdleAfterMs: 20 },
    notice: (line) => notices.push(line),
  });
  const body = JSON.stringify({ files: [{ path: "/a.md", content: "kept" }] });
  const uploading = await connect(test.server.url);
  await uploading.write(encoder.encode(
    `POST /v1/workspaces/ws_test/fs/bulk HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${test.token}\r\n` +
      `x-correlation-id: corr_cap\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n` +
      `connection: close\r\n\r\n${body.slice(0, 10)}`,
  ));
  // Idle long enough to be evicted were it not mid-request (the door reads the bytes in this same process).
  await new Promise((resolve) => setTimeout(resolve, 100));
  const newcomer = await connect(test.server.url);
  const refused = await readUntilClosed(newcomer);
  assertMatch(refused, /^HTTP\/1\.1 503 /);
  assertIncludes(refused.toLowerCase(), "retry-after: 1");
  await uploading.write(encoder.encode(body.slice(10)));
  assertMatch(await readUntilClosed(uploading), /^HTTP\/1\.1 (200|202) /);
  assertEquals(await test.read("/a.md"), "kept");
  assertEquals(notices.filter((line) => line.includes("refusing new ones")).length, 1);
});

Deno.test("a cap lowered while descriptors ran short comes back once they are free, and the shortage is said once", async () => {
  const upstream = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => new Response("ok"));
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let freeDescriptors = 0;
  const notices: string[] = [];
  const guard = guardConnections({
    listener,
    connectUpstream: () => Deno.connect({ hostname: "127.0.0.1", port: upstream.addr.port }),
    limits: { max: 100, headerTimeoutMs: 60_000, idleTimeoutMs: 60_000, evictIdleAfterMs: 60_000 },
    plaintext: true,
    descriptorsFree: (count) => count <= freeDescriptors,
    notice: (line) => notices.push(line),
  });
  const url = `http://127.0.0.1:${listener.addr.port}`;
  const held: Deno.TcpConn[] = [];
  try {
    // No descriptors: a newcomer is refused and the cap drops to its floor (8).
    for (let i = 0; i < 3; i++) assertMatch(await readUntilClosed(await connect(url)), /^HTTP\/1\.1 503 /);
    // Enough for a connection, not for raising the cap: eight are held, the ninth is refused.
    freeDescriptors = 20;
    for (let i = 0; i < 8; i++) held.push(await connect(url));
    assertMatch(await readUntilClosed(await connect(url)), /^HTTP\/1\.1 503 /);
    freeDescriptors = 1_000;
    await waitFor("the cap to come back up", async () => {
      const newcomer = await connect(url);
      await newcomer.write(encoder.encode(HEALTH));
      return /^HTTP\/1\.1 200 /.test(await readUntilClosed(newcomer));
    });
    assertEquals(notices.filter((line) => line.includes("file descriptors run short")).length, 1, notices.join("\n"));
  } finally {
    held.forEach((connection) => connection.close());
    guard.stopAccepting();
    await guard.closeAll();
    await upstream.shutdown();
  }
});
