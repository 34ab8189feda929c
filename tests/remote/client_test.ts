import { RelayfileClient } from "../../src/remote/client.ts";
import { NetworkError, ProtocolError } from "../../src/remote/errors.ts";
import { assertEquals, assertRejects } from "../support/assert.ts";

Deno.test("RelayfileClient refuses an answer over its size limit, declared or streamed, instead of buffering it", async () => {
  const big = JSON.stringify([{ path: "/a.md", revision: "rev_1", content: "x".repeat(5_000) }]);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const streamed = new URL(request.url).searchParams.get("path") === "/streamed";
    if (!streamed) return new Response(big, { headers: { "content-type": "application/json" } });
    const bytes = new TextEncoder().encode(big);
    return new Response(
      new ReadableStream({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 500) controller.enqueue(bytes.subarray(i, i + 500));
          controller.close();
        },
      }),
    );
  });
  try {
    const client = new RelayfileClient({
      baseUrl: `http://127.0.0.1:${server.addr.port}`,
      workspace: "ws",
      token: () => "t",
      maxAnswerBytes: 1_000,
    });
    await assertRejects(() => client.exportFiles("/"), ProtocolError, "over the 1000 bytes this client reads");
    await assertRejects(() => client.exportFiles("/streamed"), ProtocolError, "over the 1000 bytes");
  } finally {
    await server.shutdown();
  }
});

Deno.test("a read waiting to retry ends when the client is stopped, and leaves no timer behind", async () => {
  let requests = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    requests++;
    return new Response("{}", { status: 500 });
  });
  const stop = new AbortController();
  try {
    const client = new RelayfileClient({
      baseUrl: `http://127.0.0.1:${server.addr.port}`,
      workspace: "ws",
      token: () => "t",
      signal: stop.signal,
    });
    const reading = client.exportFiles("/");
    while (requests === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    stop.abort();
    const error = await assertRejects(() => reading, NetworkError, "stopped while waiting to retry");
    assertEquals((error as NetworkError).stopped, true);
    assertEquals(requests, 1, "no attempt after the stop");
  } finally {
    await server.shutdown();
  }
});
