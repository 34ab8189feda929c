/** The command table, and the one place that turns errors into exit codes. */
import { Command, CommanderError } from "@commander-js/extra-typings";
import { errorMessage, RelayfileError } from "../lib/errors.ts";
import { ExitCode, exitCodeOf } from "./_exit_codes.ts";
import { VERSION } from "../lib/version.ts";
import type { CommandContext } from "./_context.ts";
import { type CliIo, useColor } from "./_io.ts";
import { printError } from "./_output.ts";
import { mountCommand } from "./mount.ts";
import { serveCommand } from "./serve.ts";
import { tokenCommand } from "./token.ts";
import { writebackDiscardCommand } from "./writeback_discard.ts";
import { writebackListCommand } from "./writeback_list.ts";
import { writebackRetryCommand } from "./writeback_retry.ts";
import { writebackStatusCommand } from "./writeback_status.ts";

export type { CliIo } from "./_io.ts";

/** Runs the CLI on `argv` (without the program name) and returns the exit code; never exits the process. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let exitCode: ExitCode = ExitCode.ok;
  const context: CommandContext = { io, exit: (code) => exitCode = code };
  const program = buildProgram(context);
  try {
    await program.parseAsync(normalizeGoStyleFlags(argv, program), { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander printed its message (help, version, or `error: unknown option '--x'`) already.
      if (error.exitCode === 0) return ExitCode.ok;
      if (error.code !== "commander.help") io.stderr("hint: add --help to see the usage\n");
      return ExitCode.usage;
    }
    if (error instanceof RelayfileError) {
      printError(io, error.message, error.hint);
      return exitCodeOf(error);
    }
    if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
      printError(io, errorMessage(error), "the README's Permissions table lists what each command needs");
      return ExitCode.failed;
    }
    printError(io, errorMessage(error));
    return ExitCode.failed;
  }
}

function buildProgram(context: CommandContext) {
  const { io } = context;
  const program = new Command("relayfile")
    .description(
      "Mount a relayfile workspace into a local folder, keep both sides in sync, and make writeback reliable.",
    )
    .version(VERSION, "-V, --version", "print the version");

  program.addCommand(mountCommand(context));
  program.addCommand(serveCommand(context));
  program.addCommand(tokenCommand(context));
  program
    .command("writeback")
    .description("Inspect and repair the writeback queue of a mount (works offline, without credentials).")
    .addCommand(writebackStatusCommand(context))
    .addCommand(writebackListCommand(context))
    .addCommand(writebackRetryCommand(context))
    .addCommand(writebackDiscardCommand(context));

  configureTree(program, io);
  return program;
}

/** Settings every command needs; `addCommand` does not pass them on to the commands it adds. */
function configureTree(command: Command, io: CliIo): void {
  command
    .helpOption("-h, --help", "show help")
    .helpCommand(false)
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      getOutHasColors: () => useColor(io, "stdout"),
      getErrHasColors: () => useColor(io, "stderr"),
      getOutHelpWidth: () => 100,
      getErrHelpWidth: () => 100,
      outputError: (text, write) => write(text),
    });
  for (const child of command.commands) configureTree(child as Command, io);
}

/**
 * The Go CLI accepts `-json` and `-opId X` as well as `--json`; scripts written for it keep working. Only tokens that
 * name a long option of this program are rewritten, and nothing after `--`.
 */
export function normalizeGoStyleFlags(argv: readonly string[], program: Command): string[] {
  const longNames = new Set<string>();
  const collect = (command: Command) => {
    for (const option of command.options) if (option.long) longNames.add(option.long.slice(2));
    command.commands.forEach((child) => collect(child as Command));
  };
  collect(program);
  const end = argv.indexOf("--");
  return argv.map((token, index) => {
    if (end !== -1 && index > end) return token;
    const match = /^-([A-Za-z][\w-]+)(=.*)?$/.exec(token);
    return match && longNames.has(match[1]!) ? `-${token}` : token;
  });
}
