import { contentTypeFor, decodeBase64, encodeBase64, fromWire, toWire } from "../../src/protocol/content.ts";
import { assertEquals } from "../support/assert.ts";

Deno.test("contentTypeFor() maps extensions and falls back to text/plain", () => {
  assertEquals(contentTypeFor("docs/a.md"), "text/markdown");
  assertEquals(contentTypeFor("img/logo.PNG"), "image/png");
  assertEquals(contentTypeFor("data.json"), "application/json");
  assertEquals(contentTypeFor("Makefile"), "text/plain");
  assertEquals(contentTypeFor(".env"), "text/plain");
});

Deno.test("toWire() sends text as text, and binary, control bytes or invalid UTF-8 as base64", () => {
  assertEquals(toWire(new TextEncoder().encode("héllo\n\ttab"), "text/markdown"), {
    content: "héllo\n\ttab",
    encoding: "",
  });
  assertEquals(toWire(new Uint8Array([104, 105]), "image/png"), { content: "aGk=", encoding: "base64" });
  assertEquals(toWire(new Uint8Array([104, 0, 105]), "text/plain").encoding, "base64");
  assertEquals(toWire(new Uint8Array([0xff, 0xfe]), "text/plain").encoding, "base64");
  assertEquals(toWire(new TextEncoder().encode("{}"), "application/json").encoding, "");
});

Deno.test("fromWire() and decodeBase64() accept padded and unpadded base64 and refuse garbage", () => {
  const bytes = new Uint8Array([0, 1, 2, 254, 255]);
  assertEquals(fromWire(encodeBase64(bytes), "base64"), bytes);
  assertEquals(fromWire("AAEC/v8", "BASE64"), bytes);
  assertEquals(fromWire("plain", ""), new TextEncoder().encode("plain"));
  assertEquals(decodeBase64("AAEC /v8="), bytes, "whitespace is ignored");
  for (const bad of ["***", "A", "AAEC/v8==="]) assertEquals(decodeBase64(bad), undefined, bad);
  const large = new Uint8Array(100_000).map((_, i) => (i * 7919) % 256);
  assertEquals(decodeBase64(encodeBase64(large)), large);
});
