/** Timing and memory of one command run, and the statistics the benchmark reports. */

export interface Sample {
  ms: number;
  /** Peak resident set (VmHWM), in KiB; 0 when unknown. */
  peakKb: number;
  code: number;
}

/**
 * Runs a command once and measures its wall time and peak RSS. RSS comes from GNU time's `%M` when `/usr/bin/time`
 * exists (the process is too short-lived to sample /proc reliably).
 */
export async function measureCommand(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<Sample> {
  const gnuTime = await hasGnuTime();
  const program = gnuTime ? "/usr/bin/time" : command;
  const fullArgs = gnuTime ? ["-f", "__peak_kb=%M", command, ...args] : args;
  const start = performance.now();
  const output = await new Deno.Command(program, {
    args: fullArgs,
    stdout: "null",
    stderr: "piped",
    ...(options.env ? { env: options.env } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
  }).output();
  const ms = performance.now() - start;
  const stderr = new TextDecoder().decode(output.stderr);
  const peak = /__peak_kb=(\d+)/.exec(stderr);
  return { ms, peakKb: peak ? Number(peak[1]) : 0, code: output.code };
}

let gnuTimeKnown: boolean | undefined;
async function hasGnuTime(): Promise<boolean> {
  if (gnuTimeKnown === undefined) {
    gnuTimeKnown = await Deno.stat("/usr/bin/time").then(() => true, () => false);
  }
  return gnuTimeKnown;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function median(values: number[]): number {
  return percentile(values, 50);
}
