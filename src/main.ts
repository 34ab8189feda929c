/** The binary's entry point: the only place that reads the process's environment and calls Deno.exit. */
import { runCli } from "./commands/mod.ts";
import { denoIo } from "./commands/_io.ts";
import { readEnvironment } from "./lib/environment.ts";

if (import.meta.main) {
  const code = await runCli(Deno.args, denoIo(readEnvironment()));
  Deno.exit(code);
}
