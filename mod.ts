/**
 * relayfile for Deno, as a library: the CLI entry (`runCli`), the writeback reader and report, and the
 * configuration files of the Go CLI.
 *
 * @module
 */
export { type CliIo, runCli } from "./src/commands/mod.ts";
export * from "./src/config/mod.ts";
export * from "./src/writeback/mod.ts";
export * from "./src/errors.ts";
export { VERSION } from "./src/version.ts";
