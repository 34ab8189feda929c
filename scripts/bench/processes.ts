/**
 * A mount daemon of either implementation — ours or the Go `relayfile-mount` — each in its own process, so its peak
 * RSS is its own.
 */
import { join } from "node:path";
import { relayfileCommand } from "../relayfile_process.ts";

export type ImplementationName = "ours" | "go";

export interface MountOptions {
  server: string;
  workspace: string;
  token: string;
  /** The local folder; `.relay/state.json` in it tells when a sync has completed (both implementations write it). */
  dir: string;
  /** A scratch folder for the daemon's HOME and private state. */
  scratch: string;
  /** Each implementation's default when absent (both: WebSocket on, 30 s interval). */
  websocket?: boolean;
  intervalMs?: number;
}

export interface Daemon {
  pid: number;
  /** Peak resident set so far (VmHWM), in KiB. */
  peakRssKb(): Promise<number>;
  /** Stops it with SIGTERM and returns what it logged (for an error message). */
  stop(): Promise<string>;
}

export interface Implementation {
  name: ImplementationName;
  start(options: MountOptions): Daemon;
}

export function ourMount(): Implementation {
  return {
    name: "ours",
    start(options) {
      const args = ["mount", options.dir, "--server", options.server, "--workspace", options.workspace];
      if (options.websocket === false) args.push("--no-websocket");
      if (options.intervalMs !== undefined) args.push("--interval", `${options.intervalMs}ms`);
      return spawnDaemon(
        relayfileCommand(args, { env: { HOME: options.scratch, RELAYFILE_TOKEN: options.token } }).spawn(),
      );
    },
  };
}

export function goMount(binary: string): Implementation {
  return {
    name: "go",
    start(options) {
      const args = [
        "--base-url",
        options.server,
        "--workspace",
        options.workspace,
        "--local-dir",
        options.dir,
        "--state-dir",
        join(options.scratch, "state"),
      ];
      if (options.websocket === false) args.push("--websocket=false");
      if (options.intervalMs !== undefined) args.push("--interval", `${options.intervalMs}ms`);
      const command = new Deno.Command(binary, {
        args,
        env: { HOME: options.scratch, RELAYFILE_TOKEN: options.token },
        clearEnv: true,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      });
      return spawnDaemon(command.spawn());
    },
  };
}

function spawnDaemon(child: Deno.ChildProcess): Daemon {
  const log = Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()])
    .then(([out, err]) => out + err);
  return {
    pid: child.pid,
    peakRssKb: () => peakRssKb(child.pid),
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
      await child.status;
      return await log;
    },
  };
}

/** VmHWM of a running process, in KiB (0 where there is none). */
export async function peakRssKb(pid: number): Promise<number> {
  return Number(/^VmHWM:\s+(\d+) kB$/m.exec(await readProcFile(`/proc/${pid}/status`))?.[1] ?? 0);
}

/**
 * A file under /proc ("" where there is none). Read through `cat`: Deno lets a script read /proc only with
 * --allow-all, and neither the bench task nor the test task grants that.
 */
export async function readProcFile(path: string): Promise<string> {
  try {
    const output = await new Deno.Command("cat", { args: [path], stdout: "piped", stderr: "null" }).output();
    return new TextDecoder().decode(output.stdout);
  } catch {
    return "";
  }
}
