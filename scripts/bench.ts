// deno-lint-ignore-file no-console
/**
 * `deno task bench`: relayfile side by side with the Go reference tools (npm `@relayfile/mount-*` and
 * `@relayfile/cli-*`, pinned in scripts/go_mount.ts), against the same `relayfile serve`, interleaved A B A B.
 * Prints a markdown table and writes bench/results.json and bench/ratios.svg.
 *
 *   deno task bench            full size (about ten minutes)
 *   deno task bench --smoke    every scenario at tiny size, nothing written: keeps the script working (the test
 *                              suite runs it)
 *   deno task bench --only pull   only the mount scenarios whose name holds "pull", full size, nothing written
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { chartBars, ratioChart } from "./bench/chart.ts";
import { cliScenarios } from "./bench/cli_scenarios.ts";
import { FULL_SIZES, mountScenarios, SMOKE_SIZES } from "./bench/mount_scenarios.ts";
import { goMount, ourMount, readProcFile } from "./bench/processes.ts";
import { startServe } from "./relayfile_process.ts";
import { formatTable, type ScenarioResult } from "./bench/report.ts";
import { serveScenarios } from "./bench/serve_scenarios.ts";
import { ensureGoCli, ensureGoMount, GO_REFERENCE_VERSION } from "./go_mount.ts";
import { readRunFlags } from "./permission_flags.ts";

export interface BenchOptions {
  smoke: boolean;
  /** Runs of the one-shot commands and the server scenarios. */
  runs: number;
  /** Progress, a line at a time (the script prints it to stderr). */
  log?: (line: string) => void;
  /** Only the mount scenarios whose name holds this (and none of the CLI or server ones). */
  only?: string;
}

export async function runBenchmarks(options: BenchOptions): Promise<ScenarioResult[]> {
  const log = options.log ?? (() => {});
  const [goMountBinary, goCli] = await Promise.all([ensureGoMount(), ensureGoCli()]);
  const scratch = await Deno.makeTempDir({ prefix: "relayfile-bench-" });
  try {
    const serve = await startServe(join(scratch, "data"));
    let mount: ScenarioResult[];
    try {
      mount = await mountScenarios({
        serve,
        implementations: [ourMount(), goMount(goMountBinary)],
        scratch,
        sizes: options.smoke ? SMOKE_SIZES : FULL_SIZES,
        log,
        only: options.only,
      });
    } finally {
      await serve.stop();
    }
    if (options.only !== undefined) return mount;
    log("▸ writeback status and cold start, against the Go CLI");
    const cli = await cliScenarios({
      goCli,
      scratch,
      runs: options.runs,
      deadLetters: options.smoke ? 100 : 10_000,
    });
    log("▸ relayfile serve on its own");
    const server = await serveScenarios({
      runs: options.runs,
      files: options.smoke ? 100 : 1_000,
      exported: options.smoke ? 200 : 10_000,
    });
    return [...mount, ...cli, ...server];
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}

/** When, where and with what the numbers were taken: the README quotes it under the table. */
export async function runContext(): Promise<Record<string, unknown>> {
  const cpu = /^model name\s*:\s*(.+)$/m.exec(await readProcFile("/proc/cpuinfo"))?.[1] ?? "unknown";
  // `uname`, not Deno.osRelease(): that one needs --allow-sys, which the bench task does not grant.
  const kernel = await new Deno.Command("uname", { args: ["-sr"], stdout: "piped" }).output().then(
    (output) => new TextDecoder().decode(output.stdout).trim(),
    () => Deno.build.os,
  );
  return {
    date: new Date().toISOString(),
    machine: { os: kernel, cpu, cores: navigator.hardwareConcurrency },
    ours: { deno: Deno.version.deno, flags: (await readRunFlags()).join(" ") },
    go: { version: GO_REFERENCE_VERSION, mount: "relayfile-mount (default flags)", cli: "relayfile" },
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      smoke: { type: "boolean", default: false },
      runs: { type: "string" },
      out: { type: "string" },
      only: { type: "string" },
    },
  });
  const smoke = values.smoke ?? false;
  const runs = values.runs ? Number(values.runs) : smoke ? 1 : 7;
  const results = await runBenchmarks({ smoke, runs, only: values.only, log: (line) => console.error(line) });
  const table = formatTable(results);
  console.log(table);
  if (!smoke && values.only === undefined) {
    const out = values.out ?? "bench";
    const context = await runContext();
    await Deno.mkdir(out, { recursive: true });
    await Deno.writeTextFile(join(out, "results.json"), JSON.stringify({ ...context, results }, null, 2) + "\n");
    await Deno.writeTextFile(
      join(out, "ratios.svg"),
      ratioChart(
        chartBars(results),
        `relayfile for Deno ÷ Go relayfile ${GO_REFERENCE_VERSION} (${String(context.date).slice(0, 10)})`,
      ),
    );
    console.log(`\nwrote ${join(out, "results.json")} and ${join(out, "ratios.svg")}`);
  }
}
