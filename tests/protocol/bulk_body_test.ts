import { bulkBodyStream, type OutgoingFile, wireContentLength } from "../../src/protocol/bulk_body.ts";
import { decodeBase64, wireEncodingOf } from "../../src/protocol/content.ts";
import { assertEquals } from "../support/assert.ts";

const identity = { kind: "relayfile-deno-op", key: "k", ttlSeconds: 60 };

function file(path: string, content: string | Uint8Array, encoding: "" | "base64"): OutgoingFile {
  return { path, contentType: "text/plain", content, encoding, ifMatch: "0", contentIdentity: identity };
}

async function sent(files: OutgoingFile[]): Promise<string> {
  return await new Response(bulkBodyStream(files)).text();
}

/** Text with every character JSON escapes, and multi-byte characters that straddle the 48 KiB pieces. */
function awkwardText(size: number): Uint8Array {
  const parts = ['quote " backslash \\ tab \t cr \r lf \n ', "é", "€", "𝄞", "中文", "\u2028", "plain ascii "];
  let text = "";
  for (let i = 0; text.length < size; i++) text += parts[i % parts.length];
  return new TextEncoder().encode(text);
}

Deno.test("a streamed bulk body is the JSON a plain one is", async () => {
  const binary = Uint8Array.from({ length: 200_001 }, (_, i) => (i * 7919) % 251);
  const text = awkwardText(150_000);
  const files = [
    file("/small.md", 'inline "text"\n', ""),
    file("/big.bin", binary, "base64"),
    file("/big.md", text, ""),
  ];
  const parsed = JSON.parse(await sent(files)) as { files: Array<Record<string, unknown>> };
  assertEquals(parsed.files.length, 3);
  assertEquals(parsed.files[0], { ...files[0] });
  assertEquals(decodeBase64(parsed.files[1]!.content as string), binary);
  assertEquals(parsed.files[2]!.content, new TextDecoder().decode(text));
  assertEquals({ ...parsed.files[2], content: "" }, { ...files[2], content: "" });
});

Deno.test("bytes are sent as text only when toWire would send them as text", () => {
  const encode = (text: string) => new TextEncoder().encode(text);
  assertEquals(wireEncodingOf(awkwardText(100_000), "text/markdown"), "");
  assertEquals(wireEncodingOf(encode("a\u0000b"), "text/plain"), "base64");
  assertEquals(wireEncodingOf(new Uint8Array([0x61, 0xc3]), "text/plain"), "base64");
  assertEquals(wireEncodingOf(encode("plain"), "image/png"), "base64");
});

Deno.test("control bytes in text are escaped as JSON requires", async () => {
  const bytes = new Uint8Array([0x61, 0x08, 0x0c, 0x01, 0x1f, 0x62]);
  assertEquals(
    (JSON.parse(await sent([file("/c.txt", bytes, "")])) as { files: { content: string }[] }).files[0]!.content,
    "a\b\f\u0001\u001fb",
  );
});

Deno.test("a file's content is as long as sent: base64 for bytes sent so, bytes for text", () => {
  assertEquals(wireContentLength(file("/a", new Uint8Array(10), "base64")), 16);
  assertEquals(wireContentLength(file("/a", new Uint8Array(10), "")), 10);
  assertEquals(wireContentLength(file("/a", "é", "")), 2);
});
