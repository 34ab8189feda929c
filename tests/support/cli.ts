/**
 * Runs the real CLI as a subprocess: `deno run` on src/main.ts with exactly the compile task's permission flags and
 * a cleared environment — what proves the shipped binary's permission scoping.
 */
import { readPermissionFlags } from "../../scripts/permission_flags.ts";

const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;
const flags = await readPermissionFlags();

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The whole environment of the child (HOME should point into a temp folder). */
  env?: Record<string, string>;
  cwd?: string;
}

export async function runRelayfile(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const env: Record<string, string> = { ...passThrough(), ...options.env };
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-prompt", "--cached-only", ...flags, MAIN, ...args],
    env,
    clearEnv: true,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  return {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
}

/** What the Deno runtime itself needs from the environment: its cache, and the TLS settings of this machine. */
function passThrough(): Record<string, string> {
  const names = ["DENO_DIR", "DENO_TLS_CA_STORE", "SSL_CERT_FILE", "SSL_CERT_DIR", "PATH"];
  const env: Record<string, string> = { RUST_BACKTRACE: "0" };
  for (const name of names) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  if (!env.DENO_DIR) {
    const home = Deno.env.get("HOME");
    if (home) env.DENO_DIR = `${home}/.cache/deno`;
  }
  return env;
}

export function parseJson(text: string): Record<string, unknown> {
  return JSON.parse(text) as Record<string, unknown>;
}
