import { formatAge, parseDuration } from "../../src/lib/duration.ts";
import { matchesGlob } from "../../src/lib/glob.ts";
import { assertEquals } from "../support/assert.ts";

Deno.test("matchesGlob() keeps * inside a segment and lets ** cross segments", () => {
  assertEquals(matchesGlob("/docs/a.md", "/docs/*.md"), true);
  assertEquals(matchesGlob("/docs/x/a.md", "/docs/*.md"), false);
  assertEquals(matchesGlob("/docs/x/a.md", "/docs/**/*.md"), true);
  assertEquals(matchesGlob("/docs/a.md", "/docs/**/*.md"), true);
  assertEquals(matchesGlob("/docs/a.md", "docs/?.md"), true, "a glob without / is taken from the root");
  assertEquals(matchesGlob("/a/b/c.txt", "**/*.txt"), true);
  assertEquals(matchesGlob("/a.md", "/[ab].md"), true);
  assertEquals(matchesGlob("/c.md", "/[!ab].md"), true);
  assertEquals(matchesGlob("/a+b(1).md", "/a+b(1).md"), true, "regex characters are literal");
});

Deno.test("parseDuration() reads Go-style durations and bare seconds", () => {
  assertEquals(parseDuration("500ms"), 500);
  assertEquals(parseDuration("90s"), 90_000);
  assertEquals(parseDuration("1h30m"), 5_400_000);
  assertEquals(parseDuration("2d"), 172_800_000);
  assertEquals(parseDuration("15"), 15_000);
  assertEquals(parseDuration("1.5h"), 5_400_000);
  assertEquals(parseDuration("soon"), undefined);
  assertEquals(parseDuration("5m junk"), undefined);
  assertEquals(parseDuration(""), undefined);
});

Deno.test("formatAge() prints a short human age", () => {
  assertEquals(formatAge(45_000), "45s");
  assertEquals(formatAge(12 * 60_000), "12m");
  assertEquals(formatAge(3 * 3_600_000 + 5 * 60_000), "3h5m");
  assertEquals(formatAge(50 * 3_600_000), "2d2h");
});
