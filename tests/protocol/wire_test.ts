import { parse, ValiError } from "valibot";
import {
  BulkResponseSchema,
  ExportSchema,
  OpsPageSchema,
  RemoteFileFieldsSchema,
  WsChangeMessageSchema,
} from "../../src/protocol/wire.ts";
import { assertEquals, assertThrows } from "../support/assert.ts";

Deno.test("a file without encoding or content type reads as text with empty defaults", () => {
  assertEquals(parse(ExportSchema, [{ path: "/a.md", revision: "r1" }]), [
    { path: "/a.md", revision: "r1", contentType: "", content: "", encoding: "" },
  ]);
  assertEquals(parse(RemoteFileFieldsSchema, { path: "/a", revision: "r", encoding: " BASE64 " }).encoding, "base64");
  assertEquals(parse(RemoteFileFieldsSchema, { path: "/a", revision: "r", encoding: "utf-8" }).encoding, "");
});

Deno.test("lists the server sends as null or leaves out are empty lists", () => {
  assertEquals(parse(BulkResponseSchema, { written: 1 }), { written: 1, errors: [], results: [] });
  assertEquals(parse(BulkResponseSchema, { errors: null, results: null }), { errors: [], results: [] });
  assertEquals(parse(OpsPageSchema, { items: null }).items, []);
  const first = parse(BulkResponseSchema, {});
  first.errors.push({ path: "/x", code: "conflict", message: "" });
  assertEquals(parse(BulkResponseSchema, {}).errors, [], "each answer gets a list of its own");
});

Deno.test("unknown fields are dropped, wrong types refused", () => {
  assertEquals(parse(ExportSchema, [{ path: "/a", revision: "r", extra: 1 }])[0], {
    path: "/a",
    revision: "r",
    contentType: "",
    content: "",
    encoding: "",
  });
  assertThrows(() => parse(ExportSchema, [{ path: 1, revision: "r" }]), ValiError);
  assertThrows(() => parse(WsChangeMessageSchema, { type: "pong" }), ValiError);
});
