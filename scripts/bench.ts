// deno-lint-ignore-file no-console
/**
 * `deno task bench`: measures relayfile against the targets in design.md and writes bench/results.json.
 * Scenarios so far: `writeback status --json` over 10,000 dead-letter records, CLI cold start, and `relayfile serve`
 * under bulk writes and a 10,000-file export. (The mount scenarios, side by side with the Go mount, arrive with it.)
 *
 *   deno task bench            full size
 *   deno task bench --smoke    tiny sizes, one run each: keeps the script working (run by the test suite)
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startServer } from "../src/server/mod.ts";
import { measureCommand, median, percentile, type Sample } from "./bench/measure.ts";
import { readPermissionFlags } from "./permission_flags.ts";

const MAIN = new URL("../src/main.ts", import.meta.url).pathname;

export interface ScenarioResult {
  name: string;
  target: string;
  runs: number;
  medianMs: number;
  p95Ms: number;
  /** `null` where the scenario runs inside this process and no peak is measured. */
  peakRssMb: number | null;
}

export interface BenchOptions {
  smoke: boolean;
  runs: number;
}

export async function runBenchmarks(options: BenchOptions): Promise<ScenarioResult[]> {
  return [...await cliScenarios(options), ...await serverScenarios(options)];
}

async function cliScenarios(options: BenchOptions): Promise<ScenarioResult[]> {
  const flags = await readPermissionFlags();
  const relayfile = (args: string[]) => measureCommand(Deno.execPath(), ["run", "-q", ...flags, MAIN, ...args]);
  const records = options.smoke ? 100 : 10_000;
  const mount = await Deno.makeTempDir({ prefix: "relayfile-bench-" });
  try {
    await writeDeadLetters(mount, records);
    const status = await repeat(options.runs, () => relayfile(["writeback", "status", "--json", "--dir", mount]), 1);
    const coldStart = await repeat(options.runs, () => relayfile(["--version"]), 0);
    return [
      summarize(`writeback status --json, ${records.toLocaleString("en")} dead letters`, "≤ 500 ms", status),
      summarize("CLI cold start (--version)", "-", coldStart),
    ];
  } finally {
    await Deno.remove(mount, { recursive: true });
  }
}

/** `relayfile serve` under load: bulk writes in batches under the 1 MiB body limit, then a full export. */
async function serverScenarios(options: BenchOptions): Promise<ScenarioResult[]> {
  const files = options.smoke ? 100 : 1_000;
  const exported = options.smoke ? 200 : 10_000;
  const data = await Deno.makeTempDir({ prefix: "relayfile-bench-serve-" });
  const server = await startServer({ dataDir: data, port: 0 });
  try {
    const token = await server.mintToken({ workspace: "ws_bench" });
    const call = async (method: string, path: string, body?: unknown): Promise<string> => {
      const response = await fetch(`${server.url}/v1/workspaces/ws_bench/${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "x-correlation-id": crypto.randomUUID() },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
      return text;
    };
    const writeFiles = async (prefix: string, count: number) => {
      for (let start = 0; start < count; start += 250) {
        const batch = Array.from({ length: Math.min(250, count - start) }, (_, i) => ({
          path: `${prefix}/dir${(start + i) % 50}/file${start + i}.md`,
          content: `# file ${start + i}\n${"lorem ipsum ".repeat(20)}\n`,
        }));
        await call("POST", "fs/bulk", { files: batch });
      }
    };
    const bulk = await timeInProcess(options.runs, (run) => writeFiles(`/bulk${run}`, files));
    await writeFiles("/export", Math.max(0, exported - files * options.runs));
    const total = server.store.countFiles("ws_bench");
    const exportRuns = await timeInProcess(options.runs, async () => {
      if (JSON.parse(await call("GET", "fs/export?format=json&path=/")).length !== total) {
        throw new Error("export came back short");
      }
    });
    return [
      summarize(`serve: ${files.toLocaleString("en")} files bulk-written (batches of 250)`, "-", bulk),
      summarize(`serve: export of ${total.toLocaleString("en")} files`, "-", exportRuns),
    ];
  } finally {
    await server.close();
    await Deno.remove(data, { recursive: true });
  }
}

async function timeInProcess(runs: number, work: (run: number) => Promise<void>): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    await work(run);
    samples.push({ ms: performance.now() - start, peakKb: 0, code: 0 });
  }
  return samples;
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
  const peakKb = Math.max(...samples.map((sample) => sample.peakKb));
  return {
    name,
    target,
    runs: samples.length,
    medianMs: Math.round(median(ms)),
    p95Ms: Math.round(percentile(ms, 95)),
    peakRssMb: peakKb > 0 ? Math.round(peakKb / 102.4) / 10 : null,
  };
}

/** Go-seed-format dead-letter records, as the Go transport leaves them after a long outage. */
async function writeDeadLetters(mount: string, count: number): Promise<void> {
  const dir = join(mount, ".relay", "dead-letter");
  await Deno.mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const opId = `op_failed_mount_${1_700_000_000_000_000_000n + BigInt(i)}`;
    const record = {
      opId,
      path: `/notion/docs/page-${i}.md`,
      attempts: 4,
      lastStatus: i % 10 === 0 ? 413 : 503,
      lastBody: '{"code":"unavailable","message":"upstream unavailable"}',
      ts: new Date(Date.UTC(2026, 10, 24, 0, 0, i % 3600)).toISOString().replace(".000", ""),
    };
    await Deno.writeTextFile(join(dir, `${opId}.json`), JSON.stringify(record, null, 2) + "\n");
  }
}

export function formatTable(results: ScenarioResult[]): string {
  return [
    "| scenario | target | median | p95 | peak RSS | runs |",
    "| --- | --- | ---: | ---: | ---: | ---: |",
    ...results.map((result) =>
      `| ${result.name} | ${result.target} | ${result.medianMs} ms | ${result.p95Ms} ms | ${
        result.peakRssMb === null ? "-" : `${result.peakRssMb} MB`
      } | ${result.runs} |`
    ),
  ].join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { smoke: { type: "boolean", default: false }, runs: { type: "string" } },
  });
  const smoke = values.smoke ?? false;
  const runs = values.runs ? Number(values.runs) : smoke ? 1 : 7;
  const results = await runBenchmarks({ smoke, runs });
  console.log(formatTable(results));
  if (!smoke) {
    await Deno.mkdir("bench", { recursive: true });
    await Deno.writeTextFile(
      "bench/results.json",
      JSON.stringify({ date: new Date().toISOString(), deno: Deno.version.deno, results }, null, 2) + "\n",
    );
  }
}
