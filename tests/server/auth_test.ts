import { AuthError, principalFromClaims } from "../../src/server/auth.ts";
import { signHs256 } from "../../src/server/jwt.ts";
import { assertEquals, assertThrows } from "../support/assert.ts";
import { usingServer, WORKSPACE } from "./_server.ts";

const NOW = Date.parse("2026-11-24T12:00:00Z");
const valid = { wks: "ws", sub: "agent", exp: NOW / 1000 + 60, aud: "relayfile", scopes: ["fs:read"] };

Deno.test("principalFromClaims() applies the reference's claim rules", () => {
  assertEquals(principalFromClaims(valid, NOW).workspaceId, "ws");
  assertEquals(
    principalFromClaims({ ...valid, wks: undefined, workspace_id: "ws2", sub: undefined, agent_name: "a2" }, NOW),
    { workspaceId: "ws2", agent: "a2", scopes: ["fs:read"], expiresAt: valid.exp * 1000 },
  );
  assertEquals(
    principalFromClaims({ ...valid, aud: ["other", " relayfile "], scopes: "fs:read fs:write" }, NOW).scopes,
    [
      "fs:read",
      "fs:write",
    ],
  );
  const refusals: [Record<string, unknown>, number, string][] = [
    [{ ...valid, wks: undefined }, 401, "missing workspace claim"],
    [{ ...valid, sub: undefined }, 401, "missing subject claim"],
    [{ ...valid, exp: undefined }, 401, "missing exp claim"],
    [{ ...valid, exp: NOW / 1000 }, 401, "token expired"],
    [{ ...valid, aud: "other" }, 401, "invalid aud claim"],
    [{ ...valid, scopes: [] }, 403, "no scopes granted"],
  ];
  for (const [claims, status, message] of refusals) {
    const error = assertThrows(() => principalFromClaims(claims, NOW), AuthError, message) as AuthError;
    assertEquals(error.status, status);
  }
});

Deno.test("the server refuses missing, malformed, forged and expired tokens with 401", async () => {
  let clock = Date.now();
  await using s = await usingServer({ now: () => clock });
  const secret = new TextEncoder().encode("not the server's secret, but long enough");
  const forged = await signHs256({ ...valid, wks: WORKSPACE, exp: Date.now() / 1000 + 60 }, secret);
  const expired = await s.server.mintToken({ workspace: WORKSPACE, ttlMs: 1_000 });
  clock += 1_001; // the server's clock, not the test's, moves past the expiry
  const none = `${base64UrlEncode(new TextEncoder().encode('{"alg":"none"}'))}.${
    base64UrlEncode(new TextEncoder().encode(JSON.stringify({ ...valid, wks: WORKSPACE })))
  }.`;
  const cases: [string | null, string][] = [
    [null, "missing bearer token"],
    ["not.a.jwt!", "invalid token"],
    ["abc", "invalid token"],
    [forged, "invalid token signature"],
    [expired, "token expired"],
    [none, "unsupported jwt algorithm"],
  ];
  for (const [token, message] of cases) {
    const response = await s.api("GET", "fs/events", { token });
    assertEquals([response.status, response.json.code, response.json.message], [401, "unauthorized", message]);
  }
});

Deno.test("the server binds tokens to their workspace and enforces scopes per route", async () => {
  await using s = await usingServer();
  const other = await s.api("GET", "fs/events", { workspace: "ws_other" });
  assertEquals([other.status, other.json.message], [403, "workspace mismatch"]);
  const readOnly = await s.server.mintToken({ workspace: WORKSPACE, scopes: ["fs:read"] });
  const write = await s.api("POST", "fs/bulk", { token: readOnly, body: { files: [{ path: "/a", content: "x" }] } });
  assertEquals([write.status, write.json.message], [403, "missing required scope: fs:write"]);
  const ops = await s.api("GET", "ops", { token: readOnly });
  assertEquals([ops.status, ops.json.message], [403, "missing required scope: ops:read"]);
});

Deno.test("the server needs X-Correlation-Id and answers unknown routes and methods with 404", async () => {
  await using s = await usingServer();
  const missing = await s.api("GET", "fs/events", { headers: { "x-correlation-id": "" } });
  assertEquals([missing.status, missing.json], [400, {
    code: "bad_request",
    message: "missing X-Correlation-Id header",
    correlationId: "",
  }]);
  for (const [method, path] of [["GET", "fs/nope"], ["PATCH", "fs/file?path=/a"], ["POST", "fs/export"]]) {
    const response = await s.api(method!, path!);
    assertEquals([response.status, response.json.message], [404, "route not found"], `${method} ${path}`);
  }
  const outside = await fetch(`${s.server.url}/v2/anything`);
  assertEquals([outside.status, (await outside.json()).code], [404, "not_found"]);
  assertEquals(await (await fetch(`${s.server.url}/health`)).json(), { status: "ok" });
});

Deno.test("ops list is newest first with a cursor, and an unknown cursor is a 400", async () => {
  await using s = await usingServer();
  for (const path of ["/a", "/b", "/c"]) await s.write(path, "x");
  const page = await s.api("GET", "ops?limit=2");
  assertEquals(page.json.items.map((op: { opId: string }) => op.opId), ["op_3", "op_2"]);
  assertEquals(page.json.nextCursor, "op_2");
  assertEquals((await s.api("GET", "ops?cursor=op_2")).json.items.map((op: { opId: string }) => op.opId), ["op_1"]);
  assertEquals((await s.api("GET", "ops?cursor=op_77")).status, 400);
  assertEquals((await s.api("GET", "ops/op_77")).status, 404);
  assertEquals((await s.api("GET", "ops/op_1")).json.action, "file_upsert");
});

Deno.test("the rate limit answers 429 with Retry-After per workspace and agent", async () => {
  await using s = await usingServer({ rateLimit: { max: 2, windowMs: 60_000 } });
  assertEquals((await s.api("GET", "fs/events")).status, 200);
  assertEquals((await s.api("GET", "fs/events")).status, 200);
  const limited = await s.api("GET", "fs/events");
  assertEquals([limited.status, limited.json.code, limited.headers.get("retry-after")], [429, "rate_limited", "60"]);
  const otherAgent = await s.server.mintToken({ workspace: WORKSPACE, agent: "another" });
  assertEquals((await s.api("GET", "fs/events", { token: otherAgent })).status, 200);
});

Deno.test("RS256 tokens verify against a JWKS served over HTTP, like the reference", async () => {
  const keys = await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  );
  const publicJwk = await crypto.subtle.exportKey("jwk", keys.publicKey);
  const jwks = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    () => Response.json({ keys: [{ ...publicJwk, kid: "k1", alg: "RS256", use: "sig" }] }),
  );
  try {
    await using s = await usingServer({ jwksUrl: `http://127.0.0.1:${jwks.addr.port}/jwks.json` });
    const sign = async (kid: string) => {
      const encode = (value: unknown) => base64UrlEncode(new TextEncoder().encode(JSON.stringify(value)));
      const input = `${encode({ alg: "RS256", kid })}.${
        encode({ ...valid, wks: WORKSPACE, exp: Math.floor(Date.now() / 1000) + 60 })
      }`;
      const signature = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", keys.privateKey, new TextEncoder().encode(input));
      return `${input}.${base64UrlEncode(new Uint8Array(signature))}`;
    };
    assertEquals((await s.api("GET", "fs/events", { token: await sign("k1") })).status, 200);
    const unknownKey = await s.api("GET", "fs/events", { token: await sign("k2") });
    assertEquals([unknownKey.status, unknownKey.json.message], [401, "unknown signing key"]);
  } finally {
    await jwks.shutdown();
  }
});

Deno.test("acknowledged writes survive a restart, and ids keep increasing", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "relayfile-restart-" });
  try {
    {
      await using s = await usingServer({ dataDir });
      await s.write("/kept.md", "kept");
    }
    await using s = await usingServer({ dataDir });
    assertEquals((await s.api("GET", "fs/file?path=/kept.md")).json.content, "kept");
    const next = await s.write("/next.md", "n");
    assertEquals([next.json.results[0].revision, next.json.results[0].opId], ["rev_2", "op_2"]);
    assertEquals((await s.api("GET", "fs/events")).json.events.map((event: { eventId: string }) => event.eventId), [
      "evt_1",
      "evt_2",
    ]);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

function base64UrlEncode(bytes: Uint8Array): string {
  return bytes.toBase64({ alphabet: "base64url", omitPadding: true });
}
