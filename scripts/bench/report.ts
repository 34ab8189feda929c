/** What a benchmark run reports: per scenario, each implementation's statistics and the ratios ours/Go. */
import { median, percentile } from "./measure.ts";

/** What one implementation measured in one scenario. */
export interface Measured {
  /** Wall times of the runs (or samples) that finished. */
  samplesMs: number[];
  /** Runs or samples that did not finish within the scenario's limit. */
  missed: number;
  /** Peak RSS (VmHWM) over the scenario, KiB; 0 when not measured. */
  peakRssKb: number;
  /** Why samples are missing, when that needs more than a count ("stalled at 4,000 of 10,000 files"). */
  note?: string;
  /** What a counting scenario counted (requests), shown in place of times. */
  count?: number;
}

export interface Side {
  runs: number;
  missed: number;
  medianMs: number | null;
  p95Ms: number | null;
  peakRssMb: number | null;
  note?: string;
  count?: number;
}

export interface ScenarioResult {
  name: string;
  target: string;
  ours: Side;
  /** `null` where the Go tools have no counterpart (the server scenarios). */
  go: Side | null;
  /** ours/Go of the medians; `null` when either side has none. */
  timeRatio: number | null;
  rssRatio: number | null;
}

export function side(measured: Measured): Side {
  const { samplesMs } = measured;
  return {
    runs: samplesMs.length + measured.missed,
    missed: measured.missed,
    medianMs: samplesMs.length > 0 ? round(median(samplesMs), 1) : null,
    p95Ms: samplesMs.length > 0 ? round(percentile(samplesMs, 95), 1) : null,
    peakRssMb: measured.peakRssKb > 0 ? round(measured.peakRssKb / 1024, 1) : null,
    ...(measured.note ? { note: measured.note } : {}),
    ...(measured.count !== undefined ? { count: measured.count } : {}),
  };
}

export function compare(name: string, target: string, ours: Measured, go: Measured | null): ScenarioResult {
  const oursSide = side(ours);
  const goSide = go ? side(go) : null;
  return {
    name,
    target,
    ours: oursSide,
    go: goSide,
    timeRatio: ratio(oursSide.medianMs, goSide?.medianMs),
    rssRatio: ratio(oursSide.peakRssMb, goSide?.peakRssMb),
  };
}

function ratio(ours: number | null, go: number | null | undefined): number | null {
  return ours !== null && go !== null && go !== undefined && go > 0 ? round(ours / go, 2) : null;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export function formatTable(results: ScenarioResult[]): string {
  return [
    "| scenario | target | ours p50 (p95) | Go p50 (p95) | time ours/Go | ours peak RSS | Go peak RSS | RSS ours/Go |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...results.map((result) =>
      [
        result.name,
        result.target,
        formatTimes(result.ours),
        result.go ? formatTimes(result.go) : "-",
        formatRatio(result.timeRatio),
        formatRss(result.ours),
        result.go ? formatRss(result.go) : "-",
        formatRatio(result.rssRatio),
      ].join(" | ")
    ).map((row) => `| ${row} |`),
  ].join("\n");
}

function formatTimes(side: Side): string {
  const missed = side.missed > 0
    ? `${side.missed} of ${side.runs} did not finish${side.note ? `: ${side.note}` : ""}`
    : "";
  if (side.count !== undefined) return missed ? `${side.count}; ${missed}` : String(side.count);
  if (side.medianMs === null) return missed || "no runs";
  const times = `${formatMs(side.medianMs)} (${formatMs(side.p95Ms!)})`;
  return missed ? `${times}; ${missed}` : times;
}

export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

function formatRss(side: Side): string {
  return side.peakRssMb === null ? "-" : `${side.peakRssMb.toFixed(1)} MiB`;
}

function formatRatio(ratio: number | null): string {
  return ratio === null ? "-" : `${ratio.toFixed(2)}×`;
}
