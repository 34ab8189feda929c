import { RelayfileClient } from "../../src/remote/client.ts";
import { ProtocolError } from "../../src/remote/errors.ts";
import { assertRejects } from "../support/assert.ts";

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
