/**
 * `relayfile` as a child process, run as the shipped binary runs (`src/main.ts` with the compile task's runtime
 * flags): for the demo and the benchmark. (The tests have their own, with a cleared environment.)
 */
import { denoRuntimeEnv } from "./deno_runtime_env.ts";
import { readRunFlags } from "./permission_flags.ts";
import { readServeBanner } from "./serve_banner.ts";

const MAIN = new URL("../src/main.ts", import.meta.url).pathname;
const runFlags = await readRunFlags();
const runtimeEnv = await denoRuntimeEnv();

/**
 * The program, arguments and runtime environment that run `relayfile <args>` as the shipped binary runs (add the
 * program's own environment to `env`).
 */
export function relayfileInvocation(args: string[]): { program: string; args: string[]; env: Record<string, string> } {
  return {
    program: Deno.execPath(),
    args: ["run", "--quiet", "--no-prompt", ...runFlags, MAIN, ...args],
    env: runtimeEnv,
  };
}

/** `relayfile <args>` as the shipped binary runs it. */
export function relayfileCommand(args: string[], options: { env?: Record<string, string> } = {}): Deno.Command {
  const invocation = relayfileInvocation(args);
  return new Deno.Command(invocation.program, {
    args: invocation.args,
    env: { ...invocation.env, NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

export interface Serve {
  url: string;
  /** The workspace and dev token the server printed at start. */
  workspace: string;
  token: string;
  pid: number;
  /** A dev token for `workspace`, minted with `relayfile token` from the server's data folder. */
  tokenFor(workspace: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startServe(dataDir: string): Promise<Serve> {
  const child = relayfileCommand(["serve", "--addr", "127.0.0.1:0", "--data", dataDir], { env: { HOME: dataDir } })
    .spawn();
  const stderr = new Response(child.stderr).text();
  const { url, workspace, token, drained } = await readServeBanner(child, stderr);
  return {
    url,
    workspace,
    token,
    pid: child.pid,
    async tokenFor(workspace) {
      const output = await relayfileCommand(["token", "--data", dataDir, "--workspace", workspace], {
        env: { HOME: dataDir },
      }).output();
      if (!output.success) throw new Error(`relayfile token: ${new TextDecoder().decode(output.stderr)}`);
      return new TextDecoder().decode(output.stdout).trim();
    },
    async stop() {
      child.kill("SIGTERM");
      // A server that does not exit within 10 s is killed: a benchmark or the demo must never hang on it.
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await child.status;
      clearTimeout(killer);
      await drained;
      await stderr;
    },
  };
}
