import { assertEquals, assertMatch, assertOk } from "../support/assert.ts";
import { usingServer } from "./_server.ts";

Deno.test("PUT with If-Match 0 creates a file that GET returns with its revision as ETag", async () => {
  await using s = await usingServer();
  const put = await s.api("PUT", "fs/file?path=/docs/a.md", { body: { content: "# A" }, headers: { "if-match": "0" } });
  assertEquals(put.status, 202);
  assertEquals([put.json.status, put.json.targetRevision, put.json.writeback], ["queued", "rev_1", {
    provider: "docs",
    state: "succeeded",
  }]);
  const get = await s.api("GET", "fs/file?path=/docs/a.md");
  assertEquals(get.status, 200);
  assertEquals(get.headers.get("etag"), "rev_1");
  assertEquals([get.json.path, get.json.content, get.json.contentType, get.json.encoding], [
    "/docs/a.md",
    "# A",
    "text/markdown",
    undefined,
  ]);
  assertEquals(get.json.semantics, {});
});

Deno.test("PUT follows the reference's If-Match rules: 412, 404, 409 with the current revision, * forces", async () => {
  await using s = await usingServer();
  const put = (ifMatch: string | undefined, path = "/a.md") =>
    s.api("PUT", `fs/file?path=${path}`, {
      body: { content: "x" },
      ...(ifMatch !== undefined ? { headers: { "if-match": ifMatch } } : {}),
    });
  assertEquals((await put(undefined)).json.code, "precondition_failed");
  assertEquals((await put("rev_1")).status, 404, "a revision for a file that does not exist");
  assertEquals((await put("0")).status, 202);
  const conflict = await put("0");
  assertEquals(conflict.status, 409, "0 is create-only");
  assertEquals(conflict.json, {
    code: "revision_conflict",
    message: "revision conflict",
    correlationId: "corr_test",
    expectedRevision: "0",
    currentRevision: "rev_1",
    currentContentPreview: "x",
  });
  assertEquals((await put('"rev_1"')).status, 202, "a quoted ETag is accepted");
  assertEquals((await put('W/"rev_2"')).status, 202, "a weak ETag is accepted");
  assertEquals((await put("rev_1")).status, 409);
  assertEquals((await put("*")).status, 202);
});

Deno.test("DELETE needs If-Match, answers 404 for a missing file and 409 for a stale revision", async () => {
  await using s = await usingServer();
  await s.write("/a.md", "x");
  assertEquals((await s.api("DELETE", "fs/file?path=/a.md")).status, 412);
  assertEquals((await s.api("DELETE", "fs/file?path=/a.md", { headers: { "if-match": "rev_9" } })).status, 409);
  assertEquals((await s.api("DELETE", "fs/file?path=/a.md", { headers: { "if-match": "rev_1" } })).status, 202);
  assertEquals((await s.api("GET", "fs/file?path=/a.md")).status, 404);
  assertEquals((await s.api("DELETE", "fs/file?path=/a.md", { headers: { "if-match": "*" } })).status, 404);
});

Deno.test("binary content round-trips byte for byte through base64", async () => {
  await using s = await usingServer();
  const bytes = new Uint8Array(256).map((_, i) => i);
  const base64 = btoa(String.fromCharCode(...bytes));
  const put = await s.api("PUT", "fs/file?path=/img.bin", {
    body: { content: base64, encoding: "base64", contentType: "application/octet-stream" },
    headers: { "if-match": "0" },
  });
  assertEquals(put.status, 202);
  const get = await s.api("GET", "fs/file?path=/img.bin");
  assertEquals(get.json.encoding, "base64");
  assertEquals(Uint8Array.from(atob(get.json.content), (char) => char.charCodeAt(0)), bytes);
  const unpadded = await s.api("PUT", "fs/file?path=/u.bin", {
    body: { content: "AAE", encoding: "base64" },
    headers: { "if-match": "0" },
  });
  assertEquals(unpadded.status, 202, "unpadded base64 is accepted like the reference");
});

Deno.test("bad input gets 400 with the reference's codes and names the failed op", async () => {
  await using s = await usingServer();
  const cases: [string, string, unknown, string][] = [
    ["/a.md", "0", "{not json", "invalid json body"],
    ["/a.md", "0", "[1,2]", "invalid json body"],
    ["/a.md", "0", { content: "!!!", encoding: "base64" }, "invalid input"],
    ["/a.md", "0", { content: "x", encoding: "gzip" }, "invalid input"],
    ["/a.md", "0", { content: 42 }, "invalid input"],
    ["/a/../etc/passwd", "0", { content: "x" }, "invalid path: path has an empty, . or .. segment"],
    ["/a%00b", "0", { content: "x" }, "invalid path: path contains control characters"],
  ];
  for (const [path, ifMatch, body, message] of cases) {
    const response = await s.api("PUT", `fs/file?path=${path}`, { body, headers: { "if-match": ifMatch } });
    assertEquals([response.status, response.json.code, response.json.message], [400, "bad_request", message]);
    assertMatch(response.headers.get("x-relayfile-op-id") ?? "", /^op_\d+$/);
  }
  assertEquals((await s.api("GET", "fs/file")).json.message, "missing path");
  const failedOp = await s.api("GET", "ops?status=failed");
  assertEquals(failedOp.json.items.length, cases.length);
});

Deno.test("a body over the limit is refused with 413 before it is stored", async () => {
  await using s = await usingServer({ maxBodyBytes: 128 });
  const response = await s.api("PUT", "fs/file?path=/big.md", {
    body: { content: "x".repeat(200) },
    headers: { "if-match": "0" },
  });
  assertEquals([response.status, response.json.code], [413, "payload_too_large"]);
  assertOk(response.headers.get("x-relayfile-op-id"));
  assertEquals((await s.api("GET", "fs/file?path=/big.md")).status, 404);
});
