/**
 * One-shot commands, ours against the Go `relayfile` CLI with the same arguments and the same HOME, interleaved:
 * `writeback status WORKSPACE --json` over a mount with many dead-letter records, and cold start (`--version`).
 */
import { join } from "node:path";
import { readRunFlags } from "../permission_flags.ts";
import { measureCommand, type Sample } from "./measure.ts";
import { relayfileInvocation } from "../relayfile_process.ts";
import { compare, type Measured, type ScenarioResult } from "./report.ts";

export interface CliBench {
  goCli: string;
  scratch: string;
  runs: number;
  deadLetters: number;
}

const WORKSPACE = "ws_bench";

export async function cliScenarios(bench: CliBench): Promise<ScenarioResult[]> {
  const home = join(bench.scratch, "cli-home");
  const mount = join(bench.scratch, "cli-mount");
  await writeDeadLetters(mount, bench.deadLetters);
  await registerMount(home, mount);
  // A mount at rest, as a CI gate meets it: records older than the two seconds after which our first read leaves an
  // index (src/relay/dead_letter_index.ts). Without this pause the median fell on either side of that moment from run
  // to run (119 or 328 ms). The first read after a change costs ours ~0.34 s; the README says so.
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  const env = { HOME: home, NO_COLOR: "1" };
  const ours = (args: string[]) => {
    const invocation = relayfileInvocation(args);
    return () => measureCommand(invocation.program, invocation.args, { env: { ...invocation.env, ...env } });
  };
  const go = (args: string[]) => () => measureCommand(bench.goCli, args, { env });
  const status = ["writeback", "status", WORKSPACE, "--json"];
  await assertSameReport(bench, env, status);
  const records = bench.deadLetters.toLocaleString("en");
  return [
    compare(
      `writeback status --json, ${records} dead letters`,
      "≤ 0.5 s",
      ...await interleaved(bench.runs, ours(status), go(status), 1),
    ),
    compare(
      "CLI cold start (--version)",
      "≤ 1.5 × floor; ≤ floor + 6 MiB",
      ...await interleaved(bench.runs, ours(["--version"]), go(["--version"]), 0),
    ),
    compare("runtime floor: an empty deno run, same flags", "-", await floor(bench), null),
  ];
}

/** Both commands, one after the other, `runs` times, after one unmeasured warm-up run each. */
async function interleaved(
  runs: number,
  ours: () => Promise<Sample>,
  go: () => Promise<Sample>,
  expectedCode: number,
): Promise<[Measured, Measured]> {
  const results: [Measured, Measured] = [
    { samplesMs: [], missed: 0, peakRssKb: 0 },
    { samplesMs: [], missed: 0, peakRssKb: 0 },
  ];
  const commands = [ours, go];
  for (const command of commands) await command();
  for (let run = 0; run < runs; run++) {
    for (const [k, command] of commands.entries()) {
      const sample = await command();
      if (sample.code !== expectedCode) throw new Error(`a run exited ${sample.code}, expected ${expectedCode}`);
      results[k]!.samplesMs.push(sample.ms);
      results[k]!.peakRssKb = Math.max(results[k]!.peakRssKb, sample.peakKb);
    }
  }
  return results;
}

/** The comparison is only fair when both read every record: check the two reports agree before timing them. */
async function assertSameReport(bench: CliBench, env: Record<string, string>, args: string[]): Promise<void> {
  const invocation = relayfileInvocation(args);
  const reports = await Promise.all([
    new Deno.Command(invocation.program, {
      args: invocation.args,
      env: { ...invocation.env, ...env },
      stdout: "piped",
      stderr: "null",
    }).output(),
    new Deno.Command(bench.goCli, { args, env, stdout: "piped", stderr: "null" }).output(),
  ]);
  const counts = reports.map((output) => {
    const report = JSON.parse(new TextDecoder().decode(output.stdout)) as { deadLettered: unknown[] };
    return report.deadLettered.length;
  });
  if (counts.some((count) => count !== bench.deadLetters)) {
    throw new Error(
      `expected ${bench.deadLetters} dead letters in both reports, got ours ${counts[0]}, Go ${counts[1]}`,
    );
  }
}

/** `~/.relayfile/workspaces.json` as both CLIs read it: the workspace's local mirror is `mount`. */
async function registerMount(home: string, mount: string): Promise<void> {
  await Deno.mkdir(join(home, ".relayfile"), { recursive: true });
  const catalog = { workspaces: [{ name: WORKSPACE, id: WORKSPACE, localDir: mount, agentName: "relayfile-cli" }] };
  await Deno.writeTextFile(join(home, ".relayfile", "workspaces.json"), JSON.stringify(catalog, null, 2) + "\n");
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

/** What any program costs here before it does anything: `deno run` of an empty module with the binary's flags. */
async function floor(bench: CliBench): Promise<Measured> {
  const empty = join(bench.scratch, "empty.ts");
  await Deno.writeTextFile(empty, "");
  const flags = await readRunFlags();
  const run = () => measureCommand(Deno.execPath(), ["run", "--quiet", "--no-prompt", ...flags, empty], {});
  await run();
  const measured: Measured = { samplesMs: [], missed: 0, peakRssKb: 0 };
  for (let index = 0; index < bench.runs; index++) {
    const sample = await run();
    measured.samplesMs.push(sample.ms);
    measured.peakRssKb = Math.max(measured.peakRssKb, sample.peakKb);
  }
  return measured;
}
