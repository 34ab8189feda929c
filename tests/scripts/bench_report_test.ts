import { chartBars, ratioChart } from "../../scripts/bench/chart.ts";
import { compare, formatTable } from "../../scripts/bench/report.ts";
import { assertEquals, assertIncludes } from "../support/assert.ts";

const measured = (samplesMs: number[], peakRssKb = 0, missed = 0, note?: string) => ({
  samplesMs,
  missed,
  peakRssKb,
  ...(note ? { note } : {}),
});

Deno.test("compare() reports medians, p95 and the ratios ours/Go", () => {
  const result = compare("write", "≤ 50 ms", measured([10, 20, 30, 40], 40_960), measured([100, 110, 120], 20_480));
  assertEquals(result.ours, { runs: 4, missed: 0, medianMs: 20, p95Ms: 40, peakRssMb: 40 });
  assertEquals(result.timeRatio, 0.18);
  assertEquals(result.rssRatio, 2);
});

Deno.test("a side that never finished has no median and no ratio, and the table says why", () => {
  const result = compare("pull", "≤ 3 s", measured([2500]), measured([], 0, 3, "stalled at 2,100 of 10,000 files"));
  assertEquals(result.timeRatio, null);
  assertIncludes(formatTable([result]), "| 3 of 3 did not finish: stalled at 2,100 of 10,000 files |");
  assertEquals(chartBars([result])[0]?.note, "no ratio: Go stalled at 2,100 of 10,000 files");
});

Deno.test("the chart draws faster bars left of 1× in green and slower ones right of it in red", () => {
  const svg = ratioChart([{ label: "fast", ratio: 0.25 }, { label: "slow", ratio: 4 }], "t");
  const bars = [...svg.matchAll(/<rect class="bar" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*fill="(#\w+)"/g)]
    .map(([, x, width, color]) => ({ start: Number(x), end: Number(x) + Number(width), color }));
  assertEquals(bars.map((bar) => bar.color), ["#2e7d32", "#c62828"]);
  // Both bars meet at the 1× line: the faster one ends there, the slower one starts there.
  assertEquals(Math.round(bars[0]!.end), Math.round(bars[1]!.start));
});

Deno.test("chart labels are escaped for XML", () => {
  assertIncludes(ratioChart([{ label: "a < b & c", ratio: 1 }], "t"), "a &lt; b &amp; c");
});
