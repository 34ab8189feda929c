/**
 * An SVG bar chart of the ratios ours/Go, on a log scale centred on 1× (left of it we are faster or leaner, right of
 * it slower or bigger). Plain SVG text, no dependencies, so the README can embed it.
 */
import type { ScenarioResult } from "./report.ts";

export interface ChartBar {
  label: string;
  /** ours/Go; `null` when there is none (then `note` says why). */
  ratio: number | null;
  note?: string;
}

/** A time bar and a memory bar per scenario that has a Go counterpart. */
export function chartBars(results: ScenarioResult[]): ChartBar[] {
  const bars: ChartBar[] = [];
  for (const result of results) {
    if (!result.go) continue;
    const goUnfinished = result.go.medianMs === null ? `Go ${result.go.note ?? "did not finish"}` : undefined;
    bars.push({ label: `${result.name}: time`, ratio: result.timeRatio, ...noteOf(result.timeRatio, goUnfinished) });
    if (result.rssRatio !== null) bars.push({ label: `${result.name}: peak RSS`, ratio: result.rssRatio });
  }
  return bars;
}

function noteOf(ratio: number | null, why: string | undefined): { note?: string } {
  return ratio === null ? { note: `no ratio: ${why ?? "no samples"}` } : {};
}

const WIDTH = 1000;
const LABEL_WIDTH = 440;
const PLOT_LEFT = LABEL_WIDTH + 20;
const PLOT_RIGHT = WIDTH - 60;
const ROW = 24;
const TOP = 56;
/** The scale runs from 1/16× to 16× (log2 −4 … 4); longer bars are clipped and marked. */
const LIMIT = 4;

export function ratioChart(bars: ChartBar[], title: string): string {
  const height = TOP + bars.length * ROW + 40;
  const x = (log2: number) =>
    round1(PLOT_LEFT + ((Math.max(-LIMIT, Math.min(LIMIT, log2)) + LIMIT) / (2 * LIMIT)) * (PLOT_RIGHT - PLOT_LEFT));
  const one = x(0);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
    `font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${escape(title)}</text>`,
    `<text x="${one - 8}" y="40" text-anchor="end" fill="#2e7d32">← ours faster / leaner</text>`,
    `<text x="${one + 8}" y="40" fill="#c62828">ours slower / bigger →</text>`,
  ];
  for (let tick = -LIMIT; tick <= LIMIT; tick++) {
    const at = x(tick);
    const label = tick < 0 ? `1/${2 ** -tick}×` : `${2 ** tick}×`;
    parts.push(
      `<line x1="${at}" y1="${TOP - 6}" x2="${at}" y2="${height - 30}" stroke="${tick === 0 ? "#333" : "#ddd"}"/>`,
      `<text x="${at}" y="${height - 14}" text-anchor="middle" fill="#555">${label}</text>`,
    );
  }
  bars.forEach((bar, index) => {
    const y = TOP + index * ROW;
    parts.push(`<text x="${LABEL_WIDTH}" y="${y + 15}" text-anchor="end">${escape(bar.label)}</text>`);
    if (bar.ratio === null || bar.ratio <= 0) {
      parts.push(`<text x="${PLOT_LEFT + 4}" y="${y + 15}" fill="#555">${escape(bar.note ?? "no ratio")}</text>`);
      return;
    }
    const log2 = Math.log2(bar.ratio);
    const end = x(log2);
    const color = bar.ratio <= 1 ? "#2e7d32" : "#c62828";
    const clipped = Math.abs(log2) > LIMIT ? " (off scale)" : "";
    parts.push(
      `<rect class="bar" x="${Math.min(one, end)}" y="${y + 4}" width="${round1(Math.max(1, Math.abs(end - one)))}" ` +
        `height="${ROW - 8}" fill="${color}"/>`,
      valueLabel(bar.ratio <= 1 ? end : end + 4, y + 15, `${bar.ratio.toFixed(2)}×${clipped}`, bar.ratio <= 1),
    );
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

/** A value beside its bar's far end; a long bar to the left gets it inside, in white, clear of the labels. */
function valueLabel(x: number, y: number, text: string, leftward: boolean): string {
  if (!leftward) return `<text x="${x}" y="${y}">${text}</text>`;
  if (x - 48 >= PLOT_LEFT) return `<text x="${x - 4}" y="${y}" text-anchor="end">${text}</text>`;
  return `<text x="${x + 4}" y="${y}" fill="white">${text}</text>`;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function escape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
