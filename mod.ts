/**
 * relayfile for Deno, as a library: the CLI entry (`runCli`), the writeback reader and report, and the
 * configuration files of the Go CLI.
 *
 * @module
 */
export { type CliIo, runCli } from "./src/commands/mod.ts";
export { ExitCode, exitCodeOf } from "./src/commands/_exit_codes.ts";
export * from "./src/config/mod.ts";
export * from "./src/relay/mod.ts";
export * from "./src/inspect/mod.ts";
export * from "./src/lib/errors.ts";
export { VERSION } from "./src/lib/version.ts";
