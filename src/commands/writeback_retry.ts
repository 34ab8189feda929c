import { Command, Option } from "@commander-js/extra-typings";
import { errorMessage, RelayfileError } from "../lib/errors.ts";
import { ExitCode } from "./_exit_codes.ts";
import { retryDeadLetter, type RetryOutcome } from "../inspect/mod.ts";
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
import { printError, printJson, printNote } from "./_output.ts";
import { selectDeadLetters } from "./_select_dead_letters.ts";
import { replayOnServer, sendQueuedNow } from "./_send_now.ts";
import { openWritebackTarget } from "./_writeback_target.ts";

export function writebackRetryCommand({ io, exit }: CommandContext) {
  return new Command("retry")
    .description(
      "Re-enqueue dead-lettered ops with a fresh attempt budget and the payload they failed with.",
    )
    .argument("[workspace]", "workspace name or id")
    .addOption(opIdOption("retry"))
    .addOption(allOption("retry"))
    .addOption(pathOption())
    .addOption(statusOption())
    .addOption(olderThanOption())
    .addOption(classificationOption())
    .addOption(
      new Option("--from <source>", "payload to send: the stored one it failed with, or the current local file")
        .choices(["stored", "current"] as const).default("stored" as const),
    )
    .addOption(dryRunOption("retried"))
    .option("--no-send", "only put the ops back in the outbox; the next relayfile mount sends them")
    .addOption(jsonOption())
    .addOption(dirOption())
    .addOption(workspaceOption())
    .action(async (workspace, options) => {
      const target = await openWritebackTarget(io, options, workspace);
      const now = io.now();
      const entries = selectDeadLetters(target, options, "retry", now);
      const retried: RetryOutcome[] = [];
      const failed: { opId: string; error: string }[] = [];
      for (const entry of entries) {
        try {
          // A write the provider refused is first replayed by the server, when the token may: same op, same payload.
          const refusal = entry.record?.provider;
          const replay = refusal && !options.dryRun && options.send && options.from === "stored"
            ? await replayOnServer(io, target, refusal.serverOpId)
            : undefined;
          const outcome = await retryDeadLetter(entry, {
            replayedOnServer: replay === "replayed",
            mountDir: target.mountDir,
            remoteRoot: target.snapshot.state?.remoteRoot ?? "/",
            now,
            from: options.from,
            dryRun: options.dryRun ?? false,
            files: target.snapshot.state?.files ?? {},
          });
          if (replay === "replayed") {
            outcome.notes.push(
              `op ${entry.opId}: the server sent ${refusal!.serverOpId} to the provider again (ops replay); ` +
                "its receipt is awaited",
            );
          } else if (replay) {
            outcome.notes.push(
              `op ${entry.opId}: the server could not replay ${refusal!.serverOpId} (${replay}); ` +
                "sending the stored payload again as a new write",
            );
          }
          retried.push(outcome);
          if (!options.json) {
            for (const note of outcome.notes) printNote(io, note);
            io.stdout(
              options.dryRun
                ? `Would retry op ${outcome.opId} (${entry.path || "-"})\n`
                : `Retry queued for op ${outcome.opId}\n`,
            );
          }
        } catch (error) {
          if (!(error instanceof RelayfileError) || entries.length === 1) throw error;
          failed.push({ opId: entry.opId, error: errorMessage(error) });
          printError(io, `retry op ${entry.opId}: ${errorMessage(error)}`);
        }
      }
      const queuedIds = retried.flatMap((outcome) => outcome.ops.filter((op) => op.state !== "accepted"))
        .map((op) => op.opId);
      const sent = !options.dryRun && options.send && queuedIds.length > 0
        ? await sendQueuedNow(io, target, queuedIds)
        : undefined;
      if (sent?.kind === "handed-over") printNote(io, "a relayfile mount is running for this folder: it sends them");
      if (sent?.kind === "no-credentials") {
        printNote(io, "no server or token for this folder here: the next relayfile mount of it sends them");
      }
      const failedAgain = sent?.kind === "sent" ? sent.failedAgain : [];
      for (const { opId, reason } of failedAgain) printError(io, `op ${opId} failed again: ${reason}`);
      if (sent?.kind === "sent" && !options.json) {
        const again = new Set(failedAgain.map(({ opId }) => opId));
        for (const opId of queuedIds) if (!again.has(opId)) io.stdout(`Sent op ${opId}\n`);
      }
      if (options.json) {
        printJson(io, {
          schemaVersion: 1,
          dryRun: options.dryRun ?? false,
          delivery: sent?.kind ?? (options.dryRun ? "dry-run" : "queued"),
          failedAgain,
          retried: retried.map((outcome) => ({
            opId: outcome.opId,
            ops: outcome.ops.map((op) => ({
              opId: op.opId,
              path: op.path,
              kind: op.kind,
              contentHash: op.contentHash,
            })),
            notes: outcome.notes,
          })),
          failed,
        });
      } else if (entries.length === 0) {
        io.stdout("No dead-lettered ops match\n");
      }
      if (failed.length > 0) exit(ExitCode.failed);
      else if (failedAgain.length > 0) exit(ExitCode.actionable);
    });
}
