import { runBenchmarks } from "../../scripts/bench.ts";
import { chartBars, ratioChart } from "../../scripts/bench/chart.ts";
import { formatTable } from "../../scripts/bench/report.ts";
import { assertEquals, assertIncludes, assertOk } from "../support/assert.ts";

Deno.test("the benchmark runs every scenario at tiny size, ours beside the Go tools", async () => {
  const results = await runBenchmarks({ smoke: true, runs: 1 });
  assertEquals(results.map((result) => result.name), [
    "local write → committed on the server",
    "remote write → local file, WebSocket",
    "remote write → local file, polling every 1 s",
    "initial pull, 20 files",
    "initial pull, 50 files",
    "initial pull, 1 MB export (64 KiB files)",
    "initial pull, 4 MB export (64 KiB files)",
    "20 files written locally at once → all committed",
    "GET fs/file after 10 files written locally, server without fs/bulk-read",
    "writeback status --json, 100 dead letters",
    "CLI cold start (--version)",
    "runtime floor: an empty deno run, same flags",
    "serve: 100 files bulk-written (batches of 250)",
    "serve: export of 200 files",
  ]);
  // Our side must deliver every sample; the Go side is only reported (it can drop a write, see the interop tests).
  for (const result of results) {
    assertEquals(result.ours.missed, 0, `${result.name}: ours missed a sample`);
    assertOk(result.ours.medianMs !== null || result.ours.count !== undefined, `${result.name}: ours has no result`);
  }
  // The counting row: our mount reads none of its own writes back; the Go mount reads them (the proxy counts).
  const reads = results.find((result) => result.name.startsWith("GET fs/file"))!;
  assertEquals(reads.ours.count, 0);
  assertOk((reads.go?.count ?? 0) > 0, `the Go mount's reads: ${reads.go?.count}`);
  const daemons = results.slice(0, 9);
  for (const result of daemons) {
    assertOk(result.ours.peakRssMb !== null && result.go?.peakRssMb !== null, `${result.name}: peak RSS missing`);
  }
  assertIncludes(formatTable(results), "| writeback status --json, 100 dead letters | ≤ 0.5 s |");
  const svg = ratioChart(chartBars(results), "smoke");
  assertEquals(svg.match(/<rect class="bar"/g)?.length ?? 0, chartBars(results).filter((bar) => bar.ratio).length);
});
