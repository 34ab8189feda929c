/**
 * Runs the real CLI as a subprocess: `deno run` on src/main.ts with exactly the compile task's permission flags (and
 * `RUN_FROM_SOURCE_FLAGS`, which change only when modules load) and a cleared environment — what proves the shipped
 * binary's permission scoping.
 */
import { denoRuntimeEnv } from "../../scripts/deno_runtime_env.ts";
import { readRunFlags } from "../../scripts/permission_flags.ts";

const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;
/** A compiled `relayfile` to test instead of `deno run src/main.ts` (the release workflow and ci.yml set it). */
const COMPILED = Deno.env.get("RELAYFILE_BIN") || undefined;
const runFlags = await readRunFlags();
/**
 * HOME for a child that is given none: without one the CLI uses `./.relayfile` (as the Go CLI does), which would be
 * this repository. `.cache/` is ignored by git.
 */
const SANDBOX_HOME = new URL("../../.cache/test-home", import.meta.url).pathname;
await Deno.mkdir(SANDBOX_HOME, { recursive: true });
const runtimeEnv = await denoRuntimeEnv();

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The whole environment of the child (HOME should point into a temp folder). */
  env?: Record<string, string>;
  cwd?: string;
  /** Permission flags instead of the compile task's (to show a command needs less). */
  flags?: string[];
}

/** The command that runs the CLI like the compiled binary: same permissions, cleared environment. */
export function relayfileCommand(
  args: string[],
  options: CliOptions & { stdout?: "piped" | "null"; stderr?: "piped" | "null"; fdLimit?: number } = {},
): Deno.Command {
  // RELAYFILE_BIN=dist/relayfile runs the compiled binary instead (its permissions are the ones compiled in).
  const argv = COMPILED && !options.flags
    ? args
    : ["run", "--quiet", "--no-prompt", "--cached-only", ...(options.flags ?? runFlags), MAIN, ...args];
  const executable = COMPILED && !options.flags ? COMPILED : Deno.execPath();
  // With `fdLimit`, a shell lowers the open-files limit (`ulimit -n`) and then becomes the CLI.
  const [program, programArgs] = options.fdLimit === undefined
    ? [executable, argv]
    : ["/bin/sh", ["-c", `ulimit -n ${options.fdLimit} && exec "$0" "$@"`, executable, ...argv]];
  return new Deno.Command(program, {
    args: programArgs,
    env: { HOME: SANDBOX_HOME, ...runtimeEnv, ...options.env },
    clearEnv: true,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdout: options.stdout ?? "piped",
    stderr: options.stderr ?? "piped",
    stdin: "null",
  });
}

export async function runRelayfile(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const output = await relayfileCommand(args, options).output();
  return {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
}

export function parseJson(text: string): Record<string, unknown> {
  return JSON.parse(text) as Record<string, unknown>;
}

/** A token that is a well-formed JWT (for tests where no server checks it): `{"alg":"HS256"}.{"wks":"ws"}.sig`. */
export const SHAPED_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJ3a3MiOiJ3cyJ9.c2ln";
