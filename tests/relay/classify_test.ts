import { classifyFailure, nextActionFor } from "../../src/relay/classify.ts";
import { redactSecrets, sampleBody } from "../../src/lib/redact.ts";
import { assertEquals, assertNotIncludes } from "../support/assert.ts";

Deno.test("classifyFailure() follows the design's table", async (t) => {
  const table: [number, string | undefined, string][] = [
    [0, undefined, "transient"],
    [408, undefined, "transient"],
    [425, undefined, "transient"],
    [429, undefined, "transient"],
    [500, undefined, "transient"],
    [503, undefined, "transient"],
    [401, undefined, "unauthorized"],
    [409, undefined, "conflict"],
    [412, undefined, "conflict"],
    [202, "conflict", "conflict"],
    [403, undefined, "forbidden"],
    [202, "forbidden", "forbidden"],
    [400, undefined, "invalid_payload"],
    [404, undefined, "invalid_payload"],
    [413, undefined, "invalid_payload"],
    [422, undefined, "invalid_payload"],
    [202, "invalid_encoding", "invalid_payload"],
    [202, "schema_validation_failed", "invalid_payload"],
    [0, "provider_5xx_exhausted", "transient"],
    [0, "provider_4xx", "unknown"],
    [418, undefined, "unknown"],
  ];
  for (const [status, code, expected] of table) {
    await t.step(`${status} ${code ?? ""} → ${expected}`, () => {
      assertEquals(classifyFailure(status, code), expected);
    });
  }
});

Deno.test("nextActionFor() names what a person should do", () => {
  assertEquals(nextActionFor("unauthorized"), "reauth");
  assertEquals(nextActionFor("forbidden"), "contact-admin");
  assertEquals(nextActionFor("invalid_payload"), "fix-payload");
  assertEquals(nextActionFor("transient"), "retry");
});

Deno.test("redactSecrets() removes JWTs, bearer tokens and token fields", () => {
  const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl";
  const text = redactSecrets(`{"token":"abc123","auth":"Bearer s3cret","echo":"${jwt}","access_token=zz&x=1"}`);
  for (const secret of ["abc123", "s3cret", jwt, "zz"]) assertNotIncludes(text, secret);
  assertEquals(redactSecrets("plain error"), "plain error");
});

Deno.test("sampleBody() keeps at most 1 KiB without cutting a character in half", () => {
  const sample = sampleBody("é".repeat(1000));
  assertEquals(new TextEncoder().encode(sample).length <= 1024, true);
  assertEquals(sample, "é".repeat(512));
});
