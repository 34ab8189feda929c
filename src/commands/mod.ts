/** The command table, and the one place that turns errors into exit codes. */
import type { Command, Option } from "@commander-js/extra-typings";
import { formatDuration, parseDuration } from "../lib/duration.ts";
import { errorMessage, RelayfileError } from "../lib/errors.ts";
import { ExitCode, exitCodeOf } from "./_exit_codes.ts";
import { NetworkError } from "../remote/errors.ts";
import { isVersionRequest, VERSION } from "../lib/version.ts";
import type { CommandContext } from "./_context.ts";
import { type CliIo, useColor } from "./_io.ts";
import { printError } from "./_output.ts";

export type { CliIo } from "./_io.ts";

type AnyCommand = Command<unknown[], Record<string, unknown>>;

/**
 * Each top-level command's module, imported only when the command line names it: `writeback status` never loads the
 * server, SQLite, the WebSocket or the mount, and `--version` loads no command at all.
 */
const COMMANDS: Record<string, (context: CommandContext, argv: readonly string[]) => Promise<AnyCommand>> = {
  mount: async (context) => (await import("./mount.ts")).mountCommand(context) as AnyCommand,
  serve: async (context) => (await import("./serve.ts")).serveCommand(context) as AnyCommand,
  token: async (context) => (await import("./token.ts")).tokenCommand(context) as AnyCommand,
  upgrade: async (context) => (await import("./upgrade.ts")).upgradeCommand(context) as AnyCommand,
  completions: async (context) =>
    (await import("./completions.ts")).completionsCommand(context, () => buildProgram(context, [])) as AnyCommand,
  writeback: async (context, argv) => {
    const { Command } = await import("@commander-js/extra-typings");
    const group = new Command("writeback")
      .description(
        "Inspect and repair the writeback queue of a mount (offline, without credentials), and push files through it.",
      );
    const wanted = Object.hasOwn(WRITEBACK_COMMANDS, argv[1] ?? "") ? [argv[1]!] : Object.keys(WRITEBACK_COMMANDS);
    for (const command of await Promise.all(wanted.map((name) => WRITEBACK_COMMANDS[name]!(context)))) {
      group.addCommand(command);
    }
    return group as AnyCommand;
  },
};

const WRITEBACK_COMMANDS: Record<string, (context: CommandContext) => Promise<AnyCommand>> = {
  status: async (context) => (await import("./writeback_status.ts")).writebackStatusCommand(context) as AnyCommand,
  list: async (context) => (await import("./writeback_list.ts")).writebackListCommand(context) as AnyCommand,
  retry: async (context) => (await import("./writeback_retry.ts")).writebackRetryCommand(context) as AnyCommand,
  discard: async (context) => (await import("./writeback_discard.ts")).writebackDiscardCommand(context) as AnyCommand,
  push: async (context) => (await import("./writeback_push.ts")).writebackFileCommand("push", context) as AnyCommand,
  update: async (context) =>
    (await import("./writeback_push.ts")).writebackFileCommand("update", context) as AnyCommand,
  resolve: async (context) => (await import("./writeback_resolve.ts")).writebackResolveCommand(context) as AnyCommand,
  delete: async (context) =>
    (await import("./writeback_push.ts")).writebackFileCommand("delete", context) as AnyCommand,
};

/** The commands `argv` needs: the one it names, or all of them (for help, or a command line in error). */
function commandsFor(argv: readonly string[]): string[] {
  const first = argv[0] ?? "";
  return Object.hasOwn(COMMANDS, first) ? [first] : Object.keys(COMMANDS);
}

/** Runs the CLI on `argv` (without the program name) and returns the exit code; never exits the process. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let exitCode: ExitCode = ExitCode.ok;
  const context: CommandContext = { io, exit: (code) => exitCode = code };
  // The version alone needs neither commander nor any command: the cheapest start there is.
  if (isVersionRequest(argv)) {
    io.stdout(`${VERSION}\n`);
    return ExitCode.ok;
  }
  const { CommanderError } = await import("@commander-js/extra-typings");
  const program = await buildProgram(context, argv);
  try {
    await program.parseAsync(keepOptionalValuesApart(normalizeGoStyleFlags(argv, program)), { from: "user" });
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
    if (error instanceof NetworkError) {
      printError(io, error.message, "check the server's address (--server, RELAYFILE_SERVER) and that it is running");
      return ExitCode.failed;
    }
    if (error instanceof Deno.errors.NotCapable) {
      printError(io, errorMessage(error), "the README's Permissions table lists what each command needs");
      return ExitCode.failed;
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      printError(io, errorMessage(error), "the system refuses this user that file or folder: check its owner and mode");
      return ExitCode.failed;
    }
    if ((error as { code?: unknown } | null)?.code === "ENOSPC") {
      printError(
        io,
        errorMessage(error),
        "a disk is full: free some space and run it again (a mount loses nothing: it pulls again what it could " +
          "not write, and sends the changes still in its folder)",
      );
      return ExitCode.failed;
    }
    printError(io, errorMessage(error));
    return ExitCode.failed;
  }
}

async function buildProgram(context: CommandContext, argv: readonly string[]) {
  const { Command } = await import("@commander-js/extra-typings");
  const { io } = context;
  const program = new Command("relayfile")
    .description(
      "Mount a relayfile workspace into a local folder, keep both sides in sync, and make writeback reliable.",
    )
    .version(VERSION, "-V, --version", "print the version")
    // The program's own options (--version) only before a command: `upgrade --version 0.2.0` is upgrade's.
    .enablePositionalOptions();

  const commands = await Promise.all(commandsFor(argv).map((name) => COMMANDS[name]!(context, argv)));
  for (const command of commands) program.addCommand(command);

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
  for (const option of command.options) describeDefault(option);
  for (const child of command.commands) configureTree(child as Command, io);
}

/**
 * Defaults in help as a user would type them: `30s` rather than `30000`, `127.0.0.1:8080` rather than a JSON object;
 * empty defaults (`""`, `[]`) are not shown at all.
 */
function describeDefault(option: Option): void {
  const value = option.defaultValue;
  if (option.defaultValueDescription !== undefined || value === undefined) return;
  if (value === "" || (Array.isArray(value) && value.length === 0)) option.defaultValueDescription = "none";
  else if (typeof value === "number" && option.flags.includes("<duration>")) {
    option.defaultValueDescription = formatDuration(value);
  } else if (typeof value === "object" && value !== null && "hostname" in value && "port" in value) {
    option.defaultValueDescription = `${value.hostname}:${value.port}`;
  } else if (typeof value === "string") option.defaultValueDescription = value;
}

/** Options whose value may be left out, and what a value of theirs looks like. */
const OPTIONAL_VALUES: Record<string, (word: string) => boolean> = {
  "--wait": (word) => parseDuration(word) !== undefined,
};

/**
 * An option whose value may be left out takes the next word only when it looks like its value (or as `--opt=V`):
 * `writeback status --wait ws_x` waits with the default limit for workspace `ws_x`. A bare one becomes `--opt=`.
 */
export function keepOptionalValuesApart(argv: readonly string[]): string[] {
  return argv.map((word, index) => {
    const next = argv[index + 1];
    const looksLikeValue = OPTIONAL_VALUES[word];
    if (!looksLikeValue || (next !== undefined && (next.startsWith("-") || looksLikeValue(next)))) return word;
    return `${word}=`;
  });
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
