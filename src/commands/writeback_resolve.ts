/**
 * `writeback resolve PATH --keep local|remote|merged [FILE]`: ends a conflict. `local` puts the bytes kept from
 * this side back in the file and pushes them over the server's revision; `remote` keeps the server's version (which
 * the folder already holds); `merged` pushes FILE, merged by hand. Each removes the conflict's copies, beside the
 * file and in `.relay/conflicts/`; a running mount takes the change as any other.
 */
import { join, resolve } from "node:path";
import { Command, Option } from "@commander-js/extra-typings";
import { writeFileAtomic } from "../lib/atomic_write.ts";
import { UsageError } from "../lib/errors.ts";
import { relativeToRoot, remotePathFromArgument } from "../protocol/mod.ts";
import { readBase } from "../relay/bases.ts";
import { sha256Hex } from "../relay/mod.ts";
import { fileTarget, refreshMountState, reportResult, sendAndFollow } from "./_push.ts";
import { loadPushRecords } from "./_push_records.ts";
import type { CommandContext } from "./_context.ts";
import { ExitCode } from "./_exit_codes.ts";
import { dirOption, jsonOption, timeoutOption } from "./_options.ts";
import { openWritebackTargetOf } from "./_writeback_target.ts";

export function writebackResolveCommand({ io, exit }: CommandContext) {
  return new Command("resolve")
    .description("End a conflict: keep your bytes (local), the server's (remote), or a file you merged (merged FILE).")
    .argument("<path>", "the conflicted file, inside a mount folder (or relative to --dir)")
    .argument("[file]", "with --keep merged: the merged content to push")
    .addOption(
      new Option("--keep <side>", "which version wins").choices(["local", "remote", "merged"] as const)
        .makeOptionMandatory(),
    )
    .addOption(dirOption())
    .addOption(timeoutOption())
    .addOption(jsonOption())
    .addHelpText(
      "after",
      "\nExit codes: 0 resolved (and delivered), 1 refused or in conflict again, 2 usage error (not in conflict),\n" +
        "3 could not send, 4 --timeout passed with the write on its way.",
    )
    .action(async (argument, mergedFile, options) => {
      if ((options.keep === "merged") !== (mergedFile !== undefined)) {
        throw new UsageError(
          options.keep === "merged" ? "--keep merged needs the merged FILE" : "FILE goes with --keep merged only",
        );
      }
      const target = await openWritebackTargetOf(io, argument, options.dir);
      const records = await loadPushRecords(target.mountDir);
      const path = remotePathFromArgument(argument, {
        cwd: io.cwd,
        mountDir: target.mountDir,
        remoteRoot: records.remoteRoot,
      });
      const relative = relativeToRoot(records.remoteRoot, path);
      const copies = target.snapshot.conflicts.filter((copy) => copy.remotePath === path);
      const beside = target.snapshot.besideCopies[path] ?? [];
      if (relative === undefined || (copies.length === 0 && beside.length === 0)) {
        throw new UsageError(`${argument} is not in conflict`, {
          hint: "relayfile writeback status lists the conflicted paths",
        });
      }
      const local = join(target.mountDir, relative);
      const tracked = records.tracked[path];
      if (options.keep === "local" || options.keep === "merged") {
        const newest = copies.length > 0
          ? await newestOf(copies.map((copy) => copy.file))
          : join(target.mountDir, beside.at(-1)!);
        const bytes = await Deno.readFile(options.keep === "merged" ? resolve(io.cwd, mergedFile!) : newest);
        await writeFileAtomic(local, bytes);
      } else {
        const current = await Deno.readFile(local).catch(() => undefined);
        if (tracked && (!current || await sha256Hex(current) !== tracked.hash)) {
          const base = await readBase(target.mountDir, tracked.hash);
          if (!base) {
            throw new UsageError(`${argument} changed since the conflict, and the server's version is not kept here`, {
              hint: "put the content you want in a file and run: relayfile writeback resolve PATH --keep merged FILE",
            });
          }
          await writeFileAtomic(local, base);
        }
      }
      for (const file of [...copies.map((copy) => copy.file), ...beside.map((name) => join(target.mountDir, name))]) {
        await Deno.remove(file).catch(() => {});
      }
      if (options.keep === "remote") {
        await refreshMountState(io, target);
        if (options.json) {
          io.stdout(JSON.stringify({ schemaVersion: 1, action: "resolve", path, keep: "remote", exitCode: 0 }) + "\n");
        } else io.stdout(`Resolved ${path}: kept the server's ${tracked?.revision ?? "version"}\n`);
        return;
      }
      const [result] = await sendAndFollow(
        io,
        target,
        [await fileTarget(target.mountDir, argument, relative, path)],
        options.timeout,
      );
      reportResult(io, "resolve", result!, options.json ?? false);
      if (result!.exitCode !== ExitCode.ok) exit(result!.exitCode);
    });
}

/** The most recently written of `files`. */
async function newestOf(files: string[]): Promise<string> {
  const stamped = await Promise.all(
    files.map(async (file) => ({ file, at: (await Deno.stat(file)).mtime?.getTime() ?? 0 })),
  );
  return stamped.sort((a, b) => b.at - a.at)[0]!.file;
}
