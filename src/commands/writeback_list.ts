import { Command } from "@commander-js/extra-typings";
import { filterItems, LIST_COLUMNS, listItems, listRow } from "../inspect/mod.ts";
import { tableFor } from "./_table.ts";
import type { CommandContext } from "./_context.ts";
import { toListFilter } from "./_filters.ts";
import {
  classificationOption,
  dirOption,
  jsonOption,
  olderThanOption,
  pathOption,
  stateOption,
  statusOption,
  workspaceOption,
} from "./_options.ts";
import { printJson } from "./_output.ts";
import { openWritebackTarget } from "./_writeback_target.ts";

export function writebackListCommand({ io }: CommandContext) {
  return new Command("list")
    .description("List the writeback ops of a mount: queued, in flight, waiting to retry, dead-lettered.")
    .argument("[workspace]", "workspace name or id")
    .addOption(stateOption())
    .addOption(pathOption())
    .addOption(statusOption())
    .addOption(olderThanOption())
    .addOption(classificationOption())
    .addOption(jsonOption())
    .addOption(dirOption())
    .addOption(workspaceOption())
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
      const table = await tableFor(io);
      io.stdout(table([LIST_COLUMNS, ...items.map(listRow)]) + "\n");
      for (const problem of target.snapshot.problems) {
        io.stderr(`warning: unreadable record ${problem.file}: ${problem.message}\n`);
      }
    });
}
