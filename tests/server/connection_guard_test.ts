/** The server's front door against a real `relayfile serve` on a free port, spoken to over raw TCP. */
import { assertEquals, assertIncludes, assertMatch } from "../support/assert.ts";
import { usingServer } from "./_server.ts";

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
