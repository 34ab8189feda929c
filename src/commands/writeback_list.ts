import { Command } from "@commander-js/extra-typings";
import { filterItems, formatListRow, LIST_COLUMNS, listItems } from "../writeback/mod.ts";
import type { CommandContext } from "./_context.ts";
import { durationArgument, stateArgument, statusArgument, toListFilter } from "./_filters.ts";
import { printJson } from "./_output.ts";
import { openWritebackTarget } from "./_writeback_target.ts";

export function writebackListCommand({ io }: CommandContext) {
  return new Command("list")
    .description("List the writeback ops of a mount: queued, in flight, waiting to retry, dead-lettered.")
    .argument("[workspace]", "workspace name or id")
    .option(
      "--state <states>",
      "only these states: pending, in_flight, retry_wait, dead_lettered (or dead)",
      stateArgument,
    )
    .option("--path <glob>", "only paths matching this glob (/docs/**, *.md)")
    .option("--status <codes>", "only ops whose last HTTP status matches (503, 4xx, 409,412)", statusArgument)
    .option("--older-than <duration>", "only ops older than this (90s, 15m, 2h, 1d)", durationArgument)
    .option("--json", "print a JSON document (schemaVersion 1)")
    .option("--dir <path>", "the mount folder (instead of a workspace)")
    .option("--workspace <name>", "workspace name or id")
    .action(async (workspace, options) => {
      const target = await openWritebackTarget(io, options, workspace);
      const items = filterItems(listItems(target.snapshot), toListFilter(options), io.now().getTime());
      if (options.json) {
        printJson(io, {
          schemaVersion: 1,
          workspaceId: target.workspaceId,
          localDir: target.mountDir,
          ops: items,
          problems: target.snapshot.problems,
        });
        return;
      }
      io.stdout([LIST_COLUMNS.join("\t"), ...items.map(formatListRow)].join("\n") + "\n");
      for (const problem of target.snapshot.problems) {
        io.stderr(`warning: unreadable record ${problem.file}: ${problem.message}\n`);
      }
    });
}
