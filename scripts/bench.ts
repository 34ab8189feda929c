// deno-lint-ignore-file no-console
/**
 * `deno task bench`: measures relayfile against the targets in design.md and writes bench/results.json.
 * Scenarios here so far: `writeback status --json` over 10,000 dead-letter records, and CLI cold start. (The mount
 * and server scenarios, side by side with the Go mount, arrive with those features.)
 *
 *   deno task bench            full size
 *   deno task bench --smoke    tiny sizes, one run each: keeps the script working (run by the test suite)
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readPermissionFlags } from "./permission_flags.ts";
import { measureCommand, median, percentile, type Sample } from "./bench/measure.ts";

const MAIN = new URL("../src/main.ts", import.meta.url).pathname;

export interface ScenarioResult {
  name: string;
  target: string;
  runs: number;
  medianMs: number;
  p95Ms: number;
  peakRssMb: number;
}

export interface BenchOptions {
  smoke: boolean;
  runs: number;
}

export async function runBenchmarks(options: BenchOptions): Promise<ScenarioResult[]> {
  const flags = await readPermissionFlags();
  const relayfile = (args: string[]) => measureCommand(Deno.execPath(), ["run", "-q", ...flags, MAIN, ...args]);
  const results: ScenarioResult[] = [];

  const records = options.smoke ? 100 : 10_000;
  const mount = await Deno.makeTempDir({ prefix: "relayfile-bench-" });
  try {
    await writeDeadLetters(mount, records);
    results.push(
      summarize(
        `writeback status --json, ${records.toLocaleString("en")} dead letters`,
        "≤ 500 ms",
        await repeat(options.runs, () => relayfile(["writeback", "status", "--json", "--dir", mount]), 1),
      ),
    );
  } finally {
    await Deno.remove(mount, { recursive: true });
  }
  results.push(
    summarize("CLI cold start (--version)", "-", await repeat(options.runs, () => relayfile(["--version"]), 0)),
  );
  return results;
}

async function repeat(runs: number, run: () => Promise<Sample>, expectedCode: number): Promise<Sample[]> {
  await run(); // warm the module cache and the page cache
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    const sample = await run();
    if (sample.code !== expectedCode) throw new Error(`run exited ${sample.code}, expected ${expectedCode}`);
    samples.push(sample);
  }
  return samples;
}

function summarize(name: string, target: string, samples: Sample[]): ScenarioResult {
  const ms = samples.map((sample) => sample.ms);
  return {
    name,
    target,
    runs: samples.length,
    medianMs: Math.round(median(ms)),
    p95Ms: Math.round(percentile(ms, 95)),
    peakRssMb: Math.round(Math.max(...samples.map((sample) => sample.peakKb)) / 102.4) / 10,
  };
}

/** Go-seed-format dead-letter records, as the Go transport leaves them after a long outage. */
async function writeDeadLetters(mount: string, count: number): Promise<void> {
  const dir = join(mount, ".relay", "dead-letter");
  await Deno.mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const opId = `op_failed_mount_${1_700_000_000_000_000_000n + BigInt(i)}`;
    await Deno.writeTextFile(
      join(dir, `${opId}.json`),
      JSON.stringify(
        {
          opId,
          path: `/notion/docs/page-${i}.md`,
          attempts: 4,
          lastStatus: i % 10 === 0 ? 413 : 503,
          lastBody: '{"code":"unavailable","message":"upstream unavailable"}',
          ts: new Date(Date.UTC(2026, 10, 24, 0, 0, i % 3600)).toISOString().replace(".000", ""),
        },
        null,
        2,
      ) + "\n",
    );
  }
}

export function formatTable(results: ScenarioResult[]): string {
  const lines = [
    "| scenario | target | median | p95 | peak RSS | runs |",
    "| --- | --- | ---: | ---: | ---: | ---: |",
    ...results.map((result) =>
      `| ${result.name} | ${result.target} | ${result.medianMs} ms | ${result.p95Ms} ms | ${result.peakRssMb} MB | ${result.runs} |`
    ),
  ];
  return lines.join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { smoke: { type: "boolean", default: false }, runs: { type: "string" } },
  });
  const smoke = values.smoke ?? false;
  const runs = values.runs ? Number(values.runs) : smoke ? 1 : 7;
  const results = await runBenchmarks({ smoke, runs });
  const table = formatTable(results);
  console.log(table);
  if (!smoke) {
    await Deno.mkdir("bench", { recursive: true });
    const denoVersion = Deno.version.deno;
    await Deno.writeTextFile(
      "bench/results.json",
      JSON.stringify({ date: new Date().toISOString(), deno: denoVersion, results }, null, 2) + "\n",
    );
  }
}
