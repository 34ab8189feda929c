import { assertEquals, assertOk } from "../support/assert.ts";
import { usingServer, WORKSPACE } from "./_server.ts";

Deno.test("bulk answers 202 with per-file results and errors; one bad file does not fail its batch-mates", async () => {
  await using s = await usingServer();
  const response = await s.api("POST", "fs/bulk", {
    body: {
      files: [
        { path: "/docs/a.md", content: "a" },
        { path: "/docs/b.bin", content: "AAE=", encoding: "base64", contentType: "application/octet-stream" },
        { path: "/docs/bad.bin", content: "***", encoding: "base64" },
        { path: "", content: "x" },
        { path: "/docs/../x", content: "x" },
        { path: "/docs/c.md", content: 7 },
      ],
    },
  });
  assertEquals(response.status, 202);
  const body = response.json;
  assertEquals([body.written, body.errorCount, body.correlationId], [2, 4, "corr_test"]);
  assertEquals(body.results.length, body.written);
  assertEquals(body.errors.map((error: { code: string }) => error.code), [
    "invalid_encoding",
    "invalid_path",
    "invalid_path",
    "invalid_content",
  ]);
  assertEquals(body.results[0], {
    path: "/docs/a.md",
    revision: "rev_1",
    contentType: "text/markdown",
    opId: "op_1",
    writeback: { provider: "docs", state: "succeeded" },
  });
  assertEquals((await s.api("GET", "ops/op_1")).json.status, "succeeded");
});

Deno.test("bulk refuses a body without files", async () => {
  await using s = await usingServer();
  for (const body of [{}, { files: [] }, { files: "x" }]) {
    const response = await s.api("POST", "fs/bulk", { body });
    assertEquals([response.status, response.json.message], [400, "missing files"]);
  }
  assertEquals((await s.api("POST", "fs/bulk", { body: "nope" })).json.message, "invalid json body");
});

Deno.test("a per-file ifMatch that does not hold is a per-file conflict inside a 202", async () => {
  await using s = await usingServer();
  await s.write("/docs/clash.md", "v1");
  await s.write("/docs/clash.md", "v2");
  const response = await s.api("POST", "fs/bulk", {
    body: {
      files: [
        { path: "/docs/clash.md", content: "mine", ifMatch: "rev_1" },
        { path: "/docs/new.md", content: "n", ifMatch: "0" },
        { path: "/docs/clash.md", content: "again", ifMatch: "0" },
      ],
    },
  });
  assertEquals(response.status, 202);
  assertEquals(response.json.errors, [
    {
      path: "/docs/clash.md",
      code: "conflict",
      message: 'expected revision "rev_1" but current revision is "rev_2"',
      expectedRevision: "rev_1",
      currentRevision: "rev_2",
    },
    {
      path: "/docs/clash.md",
      code: "conflict",
      message: 'expected revision "0" but current revision is "rev_2"',
      expectedRevision: "0",
      currentRevision: "rev_2",
    },
  ]);
  assertEquals((await s.api("GET", "fs/file?path=/docs/clash.md")).json.content, "v2");
});

Deno.test("a replayed contentIdentity returns the first result and writes nothing", async () => {
  await using s = await usingServer();
  const file = {
    path: "/docs/once.md",
    content: "once",
    contentIdentity: { kind: "mount-command", key: "mountcmd_abc", ttlSeconds: 604800 },
  };
  const first = await s.api("POST", "fs/bulk", { body: { files: [file] } });
  const replay = await s.api("POST", "fs/bulk", { body: { files: [{ ...file, content: "changed by replay" }] } });
  assertEquals(replay.json.results, first.json.results);
  assertEquals(first.json.results[0].contentIdentity, file.contentIdentity);
  const events = await s.api("GET", "fs/events");
  assertEquals(events.json.events.length, 1, "the replay appended no event");
  assertEquals((await s.api("GET", "fs/file?path=/docs/once.md")).json.content, "once");
});

Deno.test("a token with a narrow write grant writes inside it and gets per-file forbidden outside", async () => {
  await using s = await usingServer();
  const narrow = await s.server.mintToken({ workspace: WORKSPACE, scopes: ["relayfile:fs:write:/docs/**"] });
  const response = await s.api("POST", "fs/bulk", {
    token: narrow,
    body: { files: [{ path: "/docs/ok.md", content: "ok" }, { path: "/secrets/no.md", content: "no" }] },
  });
  assertEquals(response.status, 202);
  assertEquals(response.json.results.map((result: { path: string }) => result.path), ["/docs/ok.md"]);
  assertEquals(response.json.errors[0].code, "forbidden");
});

Deno.test("bulk-read answers each path with its file or its own error, in order", async () => {
  await using s = await usingServer();
  await s.write("/docs/a.md", "a");
  const response = await s.api("POST", "fs/bulk-read", { body: { paths: ["/docs/a.md", "/docs/missing.md"] } });
  assertEquals(response.status, 200);
  assertEquals(response.json.files, [
    { path: "/docs/a.md", revision: "rev_1", contentType: "text/markdown", content: "a" },
    { path: "/docs/missing.md", error: { status: 404, code: "not_found", message: "not found" } },
  ]);
  assertEquals((await s.api("POST", "fs/bulk-read", { body: { paths: [] } })).status, 400);
});

Deno.test("1,000 files written in bulk batches are all exported", async () => {
  await using s = await usingServer();
  for (let batch = 0; batch < 4; batch++) {
    const files = Array.from(
      { length: 250 },
      (_, i) => ({ path: `/bulk/${batch}/f${i}.md`, content: `${batch}-${i}` }),
    );
    const response = await s.api("POST", "fs/bulk", { body: { files } });
    assertEquals(response.json.written, 250);
  }
  const exported = await s.api("GET", "fs/export?format=json&path=/bulk");
  assertEquals(exported.json.length, 1000);
  assertOk(exported.json.every((file: { content: string }) => /^\d-\d+$/.test(file.content)));
});

Deno.test("request bodies of the wrong shape get the reference's 400, and loose optional fields are ignored", async () => {
  await using s = await usingServer();
  const put = await s.api("PUT", "fs/file?path=/a.md", { body: { content: 7 }, headers: { "if-match": "0" } });
  assertEquals([put.status, put.json.message], [400, "invalid input"]);
  const read = await s.api("POST", "fs/bulk-read", { body: { paths: ["/a.md", 3] } });
  assertEquals([read.status, read.json.message], [400, "paths must be a non-empty array of strings"]);
  const loose = await s.api("POST", "fs/bulk", {
    body: { files: [{ path: "/b.md", content: "b", contentType: 5, ifMatch: null, contentIdentity: "x" }] },
  });
  assertEquals([loose.status, loose.json.written, loose.json.results[0].contentType], [202, 1, "text/markdown"]);
});
