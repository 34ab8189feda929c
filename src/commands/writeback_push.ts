/** `writeback push | update | delete PATH…`: put files of a mount on the server and wait until the provider has them. */
import { Command } from "@commander-js/extra-typings";
import { UsageError } from "../lib/errors.ts";
import { loadIgnoreRules } from "../mount/ignore_file.ts";
import { relativeToRoot, remotePathFromArgument } from "../protocol/mod.ts";
import { fileTarget, type FileVerb, reportResult, sendAndFollow, type Target, worstExit } from "./_push.ts";
import { loadPushRecords } from "./_push_records.ts";
import type { CommandContext } from "./_context.ts";
import { ExitCode } from "./_exit_codes.ts";
import type { CliIo } from "./_io.ts";
import { dirOption, jsonOption, timeoutOption } from "./_options.ts";
import { openWritebackTargetOf, type WritebackTarget } from "./_writeback_target.ts";

const DESCRIPTIONS: Record<Exclude<FileVerb, "resolve">, string> = {
  push: "Send files of a mount to the server (create or update) and wait until the provider has them.",
  update: "Like push, for files the server already has: a path it lacks is refused, nothing is created.",
  delete: "Delete files of a mount, here and on the server, and wait until the provider has the deletion.",
};

const EXIT_HELP =
  "\nExit codes: 0 delivered, 1 refused by the server or the provider (or a conflict), 2 usage error,\n" +
  "3 could not send (no mount, no server or token, server unreachable), 4 --timeout passed with the write still\n" +
  "on its way (it stays in the outbox; relayfile writeback status --wait follows it).";

export function writebackFileCommand(verb: Exclude<FileVerb, "resolve">, { io, exit }: CommandContext) {
  return new Command(verb)
    .description(DESCRIPTIONS[verb])
    .argument("<paths...>", "files inside a mount folder (or relative to --dir)")
    .addOption(dirOption())
    .addOption(timeoutOption())
    .addOption(jsonOption())
    .addHelpText("after", EXIT_HELP)
    .action(async (args, options) => {
      const target = await openWritebackTargetOf(io, args[0]!, options.dir);
      const targets = await checkTargets(io, verb, target, args);
      const wanted = targets.filter((entry) => entry.refused === undefined);
      if (verb === "delete") {
        for (const entry of wanted) await Deno.remove(`${target.mountDir}/${entry.relative}`).catch(() => {});
      }
      const results = wanted.length > 0 ? await sendAndFollow(io, target, wanted, options.timeout) : [];
      for (const entry of targets) {
        if (entry.refused === undefined) continue;
        results.push({
          target: entry,
          state: "refused",
          exitCode: ExitCode.actionable,
          message: entry.refused,
          hint: "use relayfile writeback push to create it",
          receipt: null,
        });
      }
      results.sort((a, b) => args.indexOf(a.target.argument) - args.indexOf(b.target.argument));
      for (const result of results) reportResult(io, verb, result, options.json ?? false);
      exit(worstExit(results.map((result) => result.exitCode)));
    });
}

/** Each PATH as a file of the mount: inside it, not ignored, present (push, update) and known remotely (update). */
async function checkTargets(
  io: CliIo,
  verb: Exclude<FileVerb, "resolve">,
  target: WritebackTarget,
  args: string[],
): Promise<Target[]> {
  const rules = await loadIgnoreRules(target.mountDir);
  const records = await loadPushRecords(target.mountDir);
  const remoteRoot = records.remoteRoot;
  const targets: Target[] = [];
  for (const argument of args) {
    const path = remotePathFromArgument(argument, { cwd: io.cwd, mountDir: target.mountDir, remoteRoot });
    const relative = relativeToRoot(remoteRoot, path);
    if (relative === undefined) throw new UsageError(`${argument} is not a file inside the mount ${target.mountDir}`);
    if (rules.ignores(relative)) {
      throw new UsageError(`${argument} is never synced: the mount's ignore rules leave it out`, {
        hint: "relayfile writeback status --ignored lists what the rules leave out",
      });
    }
    const known = records.tracked[path] !== undefined;
    if (verb === "delete") {
      targets.push({
        argument,
        relative,
        path,
        hash: null,
        stat: null,
        ...(known
          ? {}
          : { refused: `${argument} is not on the server (as far as the mount knows): nothing to delete` }),
      });
      continue;
    }
    const file = await fileTarget(target.mountDir, argument, relative, path);
    targets.push(
      verb === "update" && !known
        ? { ...file, refused: `${argument} is not on the server (as far as the mount knows): update creates nothing` }
        : file,
    );
  }
  return targets;
}
