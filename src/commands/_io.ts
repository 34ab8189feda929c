import type { Environment } from "../lib/environment.ts";

/** Everything a command may touch of the process: its streams, environment, folder and clock. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Environment;
  cwd: string;
  stdoutIsTerminal: boolean;
  stderrIsTerminal: boolean;
  now(): Date;
  /** Resolves with the signal's name on SIGINT or SIGTERM (listeners are installed only while waiting). */
  waitForShutdown(): Promise<string>;
  /** All of standard input, as text (`--token -`). */
  readStdin(): Promise<string>;
}

/** Colour only on a terminal, and never when `NO_COLOR` is set (https://no-color.org). */
export function useColor(io: CliIo, stream: "stdout" | "stderr"): boolean {
  if (io.env.NO_COLOR) return false;
  return stream === "stdout" ? io.stdoutIsTerminal : io.stderrIsTerminal;
}

export function denoIo(env: Environment): CliIo {
  return {
    stdout: (text) => writeAll(Deno.stdout, text),
    stderr: (text) => writeAll(Deno.stderr, text),
    env,
    cwd: Deno.cwd(),
    stdoutIsTerminal: Deno.stdout.isTerminal(),
    stderrIsTerminal: Deno.stderr.isTerminal(),
    now: () => new Date(),
    waitForShutdown,
    readStdin: () => new Response(Deno.stdin.readable).text(),
  };
}

function waitForShutdown(): Promise<string> {
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT", "SIGBREAK"] : ["SIGINT", "SIGTERM"];
  return new Promise((resolve) => {
    const handlers = signals.map((signal) => {
      const handler = () => {
        handlers.forEach(([name, fn]) => Deno.removeSignalListener(name, fn));
        resolve(signal);
      };
      Deno.addSignalListener(signal, handler);
      return [signal, handler] as const;
    });
  });
}

const encoder = new TextEncoder();

function writeAll(stream: { writeSync(bytes: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text);
  try {
    for (let written = 0; written < bytes.length;) written += stream.writeSync(bytes.subarray(written));
  } catch (error) {
    // The reader went away (`relayfile … | head`): the rest of the output has nowhere to go.
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
  }
}
