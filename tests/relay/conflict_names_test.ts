import { besideCopyName, isConflictCopyName, isConflictCopyOf } from "../../src/relay/conflict_names.ts";
import { assertEquals } from "../support/assert.ts";

const AT = new Date("2026-11-29T14:05:02.123Z");

Deno.test("a conflict copy is named after the file, the revision its bytes were made on, and the time", () => {
  assertEquals(besideCopyName("report.md", "rev_8", AT), "report.conflict-rev_8-20261129T140502Z.md");
  assertEquals(besideCopyName("Makefile", null, AT), "Makefile.conflict-new-20261129T140502Z");
  assertEquals(besideCopyName(".env", "r/1", AT), ".env.conflict-r_1-20261129T140502Z");
});

Deno.test("conflict copies are recognised, and matched to their own file only", () => {
  const copy = besideCopyName("report.md", "rev_8", AT);
  assertEquals([isConflictCopyName(copy), isConflictCopyName("report.md")], [true, false]);
  assertEquals(isConflictCopyName("notes.conflict-free.md"), false, "an ordinary name with the word in it");
  assertEquals(isConflictCopyOf(copy, "report.md"), true);
  assertEquals(isConflictCopyOf(copy, "report.txt"), false);
  assertEquals(isConflictCopyOf(besideCopyName("my.report.md", "rev_8", AT), "report.md"), false);
});
