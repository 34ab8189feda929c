import { Command } from "@commander-js/extra-typings";
import { resolve } from "node:path";
import { formatAge } from "../lib/duration.ts";
import { MountNotFoundError, WaitTimeoutError } from "../lib/errors.ts";
import type { CliIo } from "./_io.ts";
import { mountIsRunning, runSessionHere } from "./_here.ts";
import { ExitCode } from "./_exit_codes.ts";
import { remotePathFromArgument } from "../protocol/mod.ts";
import {
  formatPathStatus,
  formatStatus,
  pathStatuses,
  statusDocument,
  type StatusReport,
  summarize,
} from "../inspect/mod.ts";
import type { CommandContext } from "./_context.ts";
import { dirOption, jsonOption, workspaceOption } from "./_options.ts";
import { printError, printJson } from "./_output.ts";
import { tableFor } from "./_table.ts";
import { openWritebackTarget, openWritebackTargetOf, type WritebackTarget } from "./_writeback_target.ts";
import { LONGEST_TIMER_MS } from "../lib/duration.ts";
import { positiveDurationArgument } from "./_filters.ts";

const positiveWait = positiveDurationArgument("30s or 5m", LONGEST_TIMER_MS);
/** `--wait=` (what a bare `--wait` becomes) waits with the default limit. */
const waitArgument = (text: string): number | true => text === "" ? true : positiveWait(text);

export function writebackStatusCommand({ io, exit }: CommandContext) {
  return new Command("status")
    .description(
      "Report pending, in-flight, retry-waiting and dead-lettered writeback ops of a mount; " +
        "exit 1 when something needs attention.",
    )
    .argument("[workspace]", "workspace name or id (from ~/.relayfile/workspaces.json)")
    .argument("[paths...]", "report only these paths: synced, pending, dead-lettered, conflict or unknown")
    .addOption(jsonOption())
    .addOption(dirOption())
    .addOption(workspaceOption("workspace name or id; then every argument is a PATH"))
    .option("--fail-on-conflict", "exit 1 when a path is in conflict (for CI that wants a clean tree)")
    .option("--ignored", "also list what the folder's ignore rules (.relayignore, built-in) leave out of sync")
    .option(
      "--wait [duration]",
      "first wait until nothing is queued or in flight (default limit 10m); exit 4 if it is not drained in time",
      waitArgument,
    )
    .addHelpText(
      "after",
      "\nExit codes: 0 nothing actionable (conflicts are not failures), 1 dead-lettered ops, unreadable records, or a\n" +
        "mirror that needs a person: files not sent, remote paths it cannot hold, no pull, a refused token, a stuck mount\n" +
        "(or a PATH not synced, or a conflict with --fail-on-conflict), " +
        "2 usage error, 3 no such mount, 4 --wait ran out of time.",
    )
    .action(async (workspaceArg, pathArgs, options) => {
      // With --dir or --workspace the mount is named, so every positional argument is a PATH.
      const named = options.dir !== undefined || options.workspace !== undefined;
      let paths = named && workspaceArg !== undefined ? [workspaceArg, ...pathArgs] : pathArgs;
      let open = () => openWritebackTarget(io, options, named ? undefined : workspaceArg);
      let target = await open().catch(async (error) => {
        // `status ./docs/a.md`: no workspace of that name, but a file of a mount, which then is the one reported.
        if (!(error instanceof MountNotFoundError) || named || !(await existsHere(io, workspaceArg))) throw error;
        paths = [workspaceArg!, ...pathArgs];
        open = () => openWritebackTargetOf(io, workspaceArg!, undefined);
        return await open();
      });
      if (options.wait !== undefined) {
        const limitMs = options.wait === true ? DEFAULT_WAIT_MS : options.wait;
        const deadline = io.now().getTime() + limitMs;
        await followReceiptsHere(io, target, deadline);
        target = await open();
        while (target.snapshot.queued.length > 0 && io.now().getTime() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
          target = await open();
        }
        if (target.snapshot.queued.length > 0) {
          if (options.json) printJson(io, statusDocument(summarize(target.snapshot, statusContext(target, io.now()))));
          else io.stdout(formatStatus(summarize(target.snapshot, statusContext(target, io.now())), await tableFor(io)));
          throw new WaitTimeoutError(
            `still ${target.snapshot.queued.length} queued after waiting ${formatAge(limitMs)}`,
            { hint: "is relayfile mount running for this folder? it is what sends queued changes" },
          );
        }
      }
      const now = io.now();
      const report = summarize(target.snapshot, statusContext(target, now));

      if (paths.length > 0) {
        const remoteRoot = target.snapshot.state?.remoteRoot ?? "/";
        const remotePaths = paths.map((path) =>
          remotePathFromArgument(path, { cwd: io.cwd, mountDir: target.mountDir, remoteRoot })
        );
        const statuses = pathStatuses(target.snapshot, remotePaths);
        if (options.json) printJson(io, { ...statusDocument(report), paths: statuses });
        else io.stdout(statuses.map(formatPathStatus).join("\n") + "\n");
        for (const problem of report.problems) printError(io, `unreadable record ${problem.file}: ${problem.message}`);
        if (statuses.some((status) => status.state !== "synced")) exit(ExitCode.actionable);
        return;
      }

      const ignored = options.ignored ? await ignoredPaths(target.mountDir) : undefined;
      if (options.json) printJson(io, { ...statusDocument(report), ...(ignored ? { ignored } : {}) });
      else {
        io.stdout(formatStatus(report, await tableFor(io)));
        if (ignored) {
          io.stdout(`\nNot synced here (ignore rules): ${ignored.length}\n`);
          for (const path of ignored) io.stdout(`  ${path}\n`);
        }
      }
      if (report.actionable) {
        const [message, hint] = actionableMessage(report);
        printError(io, message, hint);
        exit(ExitCode.actionable);
      } else if (options.failOnConflict && report.conflicts > 0) {
        printError(
          io,
          `${report.conflicts} path(s) in conflict`,
          "end each with: relayfile writeback resolve PATH --keep local|remote (or --keep merged FILE)",
        );
        exit(ExitCode.actionable);
      }
    });
}

/** What the folder's ignore rules leave out of sync; the rules' matcher is loaded only when asked (`--ignored`). */
async function ignoredPaths(mountDir: string): Promise<string[]> {
  const { listIgnored, loadIgnoreRules } = await import("../mount/ignore_file.ts");
  return await listIgnored(mountDir, await loadIgnoreRules(mountDir));
}

/**
 * Writes the server accepted wait for the provider's receipt. With no mount running for the folder and a server and
 * token at hand, `--wait` asks for those receipts itself (nothing new is sent), so that an op left by `writeback push
 * --timeout` or a stopped mount is followed to its end.
 */
async function followReceiptsHere(io: CliIo, target: WritebackTarget, deadline: number): Promise<void> {
  if (!target.snapshot.queued.some((op) => op.state === "accepted" && op.source === "relayfile")) return;
  if (await mountIsRunning(io, target.mountDir)) return;
  // A mount that starts meanwhile follows them itself.
  const session = await runSessionHere(io, target, { relativePaths: [], deadline, awaitReceipts: true });
  await session?.finished;
}

/** What needs a person, most pressing first, and what to do about it. */
function actionableMessage(report: StatusReport): [string, string] {
  const first = report.deadLettered[0];
  if (first) {
    return [
      "writeback failures present",
      `fix the cause, then: relayfile writeback retry --opId ${first.opId} (or --all); ` +
      "relayfile writeback discard drops an op on purpose",
    ];
  }
  if (report.problems.length > 0) {
    return ["unreadable writeback records", "the unreadable records are listed above; fix or move them aside"];
  }
  switch (report.mirror.nextAction) {
    case "restart-mount":
      return [
        `the mount (pid ${report.mirror.stuckMount?.pid}) is stuck: it neither sends nor pulls`,
        "stop it (kill it if SIGTERM does nothing) and start it again: nothing queued is lost",
      ];
    case "reauth":
      return [
        report.mirror.lastError?.message ?? "the server refuses the mount's token",
        "nothing queued is lost: it goes out once the mount has a token the server accepts",
      ];
    case "fix-local":
      return [
        "local files are not sent",
        "each file listed above says why: rename it, make it smaller, or move it out of the folder (or list it in " +
        ".relayignore); the mount picks the change up by itself",
      ];
    case "rename-remote":
      return [
        "remote paths are missing from the folder",
        "rename the paths listed above on the server (or mount on a file system that can hold them)",
      ];
    default:
      return [
        "the mount cannot pull from the server",
        "check the server and the network; queued changes are kept and sent when it answers",
      ];
  }
}

const DEFAULT_WAIT_MS = 10 * 60_000;
const WAIT_POLL_MS = 200;

function statusContext(target: WritebackTarget, now: Date) {
  return {
    workspaceId: target.workspaceId,
    workspaceName: target.workspaceName,
    localDir: target.mountDir,
    now: now.getTime(),
  };
}

/** Whether `argument` names a file or folder, from the current folder. */
async function existsHere(io: CliIo, argument: string | undefined): Promise<boolean> {
  if (argument === undefined) return false;
  return await Deno.lstat(resolve(io.cwd, argument)).then(() => true, () => false);
}
