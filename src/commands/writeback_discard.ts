import { Command } from "@commander-js/extra-typings";
import { discardDeadLetter } from "../relay/mod.ts";
import type { CommandContext } from "./_context.ts";
import {
  allOption,
  classificationOption,
  dirOption,
  dryRunOption,
  jsonOption,
  olderThanOption,
  opIdOption,
  pathOption,
  statusOption,
  workspaceOption,
} from "./_options.ts";
import { printJson } from "./_output.ts";
import { selectDeadLetters } from "./_select_dead_letters.ts";
import { openWritebackTarget } from "./_writeback_target.ts";

export function writebackDiscardCommand({ io }: CommandContext) {
  return new Command("discard")
    .description("Remove dead-lettered ops on purpose; each leaves a line in .relay/discarded.log.")
    .argument("[workspace]", "workspace name or id")
    .addOption(opIdOption("discard"))
    .addOption(allOption("discard"))
    .addOption(pathOption())
    .addOption(statusOption())
    .addOption(olderThanOption())
    .addOption(classificationOption())
    .addOption(dryRunOption("discarded"))
    .addOption(jsonOption())
    .addOption(dirOption())
    .addOption(workspaceOption())
    .action(async (workspace, options) => {
      const target = await openWritebackTarget(io, options, workspace);
      const now = io.now();
      const entries = selectDeadLetters(target, options, "discard", now);
      for (const entry of entries) {
        if (!options.dryRun) await discardDeadLetter(target.mountDir, entry, now);
        if (!options.json) {
          io.stdout(`${options.dryRun ? "Would discard" : "Discarded"} op ${entry.opId} (${entry.path || "-"})\n`);
        }
      }
      if (options.json) {
        printJson(io, {
          schemaVersion: 1,
          dryRun: options.dryRun ?? false,
          discarded: entries.map((entry) => ({ opId: entry.opId, path: entry.path, source: entry.source })),
        });
      } else if (entries.length === 0) {
        io.stdout("No dead-lettered ops match\n");
      }
    });
}
