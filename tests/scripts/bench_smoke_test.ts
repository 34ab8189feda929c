import { formatTable, runBenchmarks } from "../../scripts/bench.ts";
import { assertEquals, assertIncludes } from "../support/assert.ts";

Deno.test("the benchmark script runs every scenario at tiny size", async () => {
  const results = await runBenchmarks({ smoke: true, runs: 1 });
  assertEquals(results.map((result) => result.runs), [1, 1, 1, 1]);
  assertIncludes(formatTable(results), "| writeback status --json, 100 dead letters |");
});
