/**
 * `relayfile completions bash|zsh|fish`: a completion script generated from the command tree itself (subcommands and
 * long options at each level), so it never drifts from the CLI. zsh uses the bash script through `bashcompinit`.
 */
import { Argument, Command } from "@commander-js/extra-typings";
import type { CommandContext } from "./_context.ts";

/** Each command path (`""`, `"writeback"`, `"writeback status"`) and the words that may follow it. */
interface Level {
  path: string;
  subcommands: string[];
  options: string[];
}

export function completionsCommand({ io }: CommandContext, fullTree: () => Promise<Command>) {
  return new Command("completions")
    .description('Print a shell completion script: eval "$(relayfile completions bash)" (or zsh, fish).')
    .addArgument(new Argument("<shell>", "the shell").choices(["bash", "zsh", "fish"] as const))
    .action(async (shell) => {
      const levels = levelsOf(await fullTree());
      io.stdout(shell === "fish" ? fishScript(levels) : bashScript(levels, shell === "zsh"));
    });
}

function levelsOf(root: Command): Level[] {
  const levels: Level[] = [];
  const visit = (command: Command, path: string) => {
    const options = command.options.filter((option) => !option.hidden).map((option) => option.long)
      .filter((long): long is string => !!long);
    levels.push({ path, subcommands: command.commands.map((child) => child.name()), options: [...options, "--help"] });
    for (const child of command.commands) visit(child as Command, path ? `${path} ${child.name()}` : child.name());
  };
  visit(root, "");
  return levels;
}

function bashScript(levels: Level[], zsh: boolean): string {
  const cases = levels.map((level) =>
    `    "${level.path}") words="${[...level.subcommands, ...level.options].join(" ")}" ;;`
  ).join("\n");
  const known = levels.map((level) => `"${level.path}"`).join("|");
  return `${zsh ? "autoload -U +X bashcompinit && bashcompinit\n" : ""}# relayfile completions (bash)
_relayfile() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" word words i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    [[ $word == -* ]] && continue
    case "\${path:+$path }$word" in
      ${known}) path="\${path:+$path }$word" ;;
    esac
  done
  case "$path" in
${cases}
    *) words="" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _relayfile relayfile
`;
}

function fishScript(levels: Level[]): string {
  const lines = ["# relayfile completions (fish)", "complete -c relayfile -f"];
  for (const level of levels) {
    const words = level.path.split(" ").filter(Boolean);
    const condition = words.length === 0 ? "__fish_use_subcommand" : `__fish_seen_subcommand_from ${words.at(-1)}` +
      (level.subcommands.length > 0 ? `; and not __fish_seen_subcommand_from ${level.subcommands.join(" ")}` : "");
    if (level.subcommands.length > 0) {
      lines.push(`complete -c relayfile -n '${condition}' -a '${level.subcommands.join(" ")}'`);
    }
    for (const option of level.options) {
      lines.push(`complete -c relayfile -n '${condition}' -l ${option.slice(2)}`);
    }
  }
  return lines.join("\n") + "\n";
}
