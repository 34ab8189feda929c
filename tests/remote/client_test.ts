import { RelayfileClient } from "../../src/remote/client.ts";
import { NetworkError, ProtocolError } from "../../src/remote/errors.ts";
import { assertEquals, assertRejects } from "../support/assert.ts";
import { startFaultProxy } from "../support/fault_proxy.ts";
import { usingServer, WORKSPACE } from "../server/_server.ts";

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

Deno.test("a listing of 2,500 files is one fs/tree request, not a page per thousand", async () => {
  await using s = await usingServer();
  const files = Array.from({ length: 2_500 }, (_, i) => ({ path: `/docs/d${i % 25}/f${i}.md`, content: `# ${i}` }));
  for (let i = 0; i < files.length; i += 500) {
    assertEquals((await s.api("POST", "fs/bulk", { body: { files: files.slice(i, i + 500) } })).status, 202);
  }
  await using proxy = startFaultProxy(s.server.url);
  const client = new RelayfileClient({ baseUrl: proxy.url, workspace: WORKSPACE, token: () => s.token });
  assertEquals((await client.listFiles("/")).length, 2_500);
  assertEquals(proxy.log.filter((line) => line.startsWith("GET /v1/workspaces/ws_test/fs/tree")).length, 1);
});
