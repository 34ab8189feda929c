import { mergeableText, mergeLines, splitLines } from "../../src/protocol/merge.ts";
import { assertEquals } from "../support/assert.ts";

const lines = (count: number, change: Record<number, string> = {}) =>
  Array.from({ length: count }, (_, index) => change[index + 1] ?? `line ${index + 1}`).join("\n") + "\n";

Deno.test("splitLines keeps every line ending, so joining gives the text back", () => {
  for (const text of ["", "a", "a\n", "a\r\nb\r\n", "a\n\nb", "\n\n"]) assertEquals(splitLines(text).join(""), text);
  assertEquals(splitLines("a\nb"), ["a\n", "b"]);
});

Deno.test("edits of different lines merge into a text with both", () => {
  const merged = mergeLines(lines(50), lines(50, { 2: "mine" }), lines(50, { 40: "theirs" }));
  assertEquals(merged, { kind: "merged", text: lines(50, { 2: "mine", 40: "theirs" }) });
});

Deno.test("the same edit on both sides is no conflict", () => {
  assertEquals(mergeLines("a\nb\n", "a\nB\n", "a\nB\n"), { kind: "merged", text: "a\nB\n" });
});

Deno.test("edits of the same line are a conflict naming the base range and each side", () => {
  const merged = mergeLines("alpha\nbeta\ngamma\n", "alpha\nbeta LOCAL\ngamma\n", "alpha\nbeta REMOTE\ngamma\n");
  assertEquals(merged, {
    kind: "conflict",
    conflicts: [{
      unit: "base lines 2-2",
      reason: "concurrently changed",
      base: "beta\n",
      mine: "beta LOCAL\n",
      theirs: "beta REMOTE\n",
    }],
  });
});

Deno.test("only UTF-8 text without NUL bytes, up to 512 KiB, may be merged", () => {
  const encode = (text: string) => new TextEncoder().encode(text);
  assertEquals(mergeableText(encode("\uFEFFtext\n")), "\uFEFFtext\n", "a byte-order mark is kept");
  assertEquals(mergeableText(new Uint8Array([0x61, 0, 0x62])), undefined);
  assertEquals(mergeableText(new Uint8Array([0xff, 0xfe, 0x41])), undefined);
  assertEquals(mergeableText(new Uint8Array(512 * 1024 + 1).fill(0x61)), undefined);
});

Deno.test("a 10,000-line source file, a third of its lines blank or a closing brace, merges edits far apart", () => {
  const lines = Array.from({ length: 10_000 }, (_, i) => {
    const kind = (i * 7919) % 10;
    return kind < 2 ? "\n" : kind < 3 ? "  }\n" : `  const value${i} = compute(${i});\n`;
  });
  const edited = (at: number, line: string) => lines.map((old, i) => i === at ? line : old).join("");
  const merged = mergeLines(lines.join(""), edited(10, "  // mine\n"), edited(9_990, "  // theirs\n"));
  assertEquals(merged, {
    kind: "merged",
    text: lines.map((old, i) => i === 10 ? "  // mine\n" : i === 9_990 ? "  // theirs\n" : old).join(""),
  });
});

Deno.test("sides that rewrote thousands of lines are a conflict, said so, without a line-by-line merge", () => {
  const base = Array.from({ length: 6_000 }, (_, i) => `line ${i % 50}\n`).join("");
  const reversed = splitLines(base).reverse().join("");
  const merged = mergeLines(base, reversed, base.replace("line 7\n", "line seven\n"));
  assertEquals(merged.kind, "conflict");
  if (merged.kind === "conflict") {
    assertEquals(merged.conflicts.map((conflict) => [conflict.unit, conflict.reason]), [
      ["base lines 1-6000", "too many lines changed to merge line by line"],
    ]);
  }
});
