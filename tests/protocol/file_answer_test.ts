import { MalformedAnswerError, readFileAnswer } from "../../src/protocol/file_answer.ts";
import { assertEquals, assertRejects } from "../support/assert.ts";

/** The answer's bytes in pieces of `size` (1 splits every token and escape). */
function streamOf(text: string, size: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at += size));
    },
  });
}

const TEXT = 'line "one"\n\ttab \\ backslash / slash é € 𝄞 <tag> \u0001 end';

Deno.test("a file answer reads the same split anywhere: fields as JSON.parse gives them, content as UTF-8 bytes", async () => {
  const answer = {
    path: "/docs/a.md",
    revision: "rev_1",
    contentType: "text/markdown",
    content: TEXT,
    semantics: { properties: { k: "v, with } and ]" }, relations: ["x", { y: [1, 2.5e3, true, null] }] },
    size: 42,
    deleted: false,
  };
  // Go's encoder escapes <, > and & and may escape /: the same text, differently spelled.
  const goSpelling = JSON.stringify(answer).replace("<tag>", "\\u003ctag\\u003e").replace(" / ", " \\/ ")
    .replace("𝄞", "\\ud834\\udd1e");
  for (const json of [JSON.stringify(answer, null, 2), goSpelling]) {
    for (const size of [1, 2, 3, 7, 64, 1 << 20]) {
      const { fields, bytes } = await readFileAnswer(streamOf(json, size), 10);
      const { content: _content, ...rest } = answer;
      assertEquals(fields, rest, `pieces of ${size}`);
      assertEquals(new TextDecoder().decode(bytes), TEXT, `pieces of ${size}`);
    }
  }
});

Deno.test("base64 content is decoded in place, with or without padding and wherever the pieces split it", async () => {
  const binary = Uint8Array.from({ length: 200_003 }, (_, i) => (i * 31 + (i >> 8)) % 256);
  const padded = JSON.stringify({ path: "/b.bin", revision: "r", content: binary.toBase64(), encoding: "base64" });
  const unpadded = padded.replace(/=+"/, '"');
  for (const json of [padded, unpadded]) {
    for (const size of [1_000, 65_537]) {
      const { bytes } = await readFileAnswer(streamOf(json, size), binary.length);
      assertEquals(bytes, binary);
    }
  }
  const { bytes } = await readFileAnswer(streamOf('{"encoding":"BASE64","content":"aGk="}', 3));
  assertEquals(new TextDecoder().decode(bytes), "hi");
});

Deno.test("content that is not base64 gives no bytes, for the caller to skip that one file", async () => {
  const { fields, bytes } = await readFileAnswer(streamOf('{"path":"/x.bin","content":"%%%","encoding":"base64"}', 5));
  assertEquals([fields.path, bytes], ["/x.bin", undefined]);
});

Deno.test("a malformed or cut answer is refused, never half-read", async () => {
  for (
    const bad of [
      '{"content":"abc',
      '{"content":"abc"',
      '{"content":"a\\qb"}',
      '{"path" "x"}',
      '["not an object"]',
      '{"path":"x"} trailing',
      '{"path":tru}',
    ]
  ) {
    await assertRejects(() => readFileAnswer(streamOf(bad, 2)), MalformedAnswerError);
  }
});
