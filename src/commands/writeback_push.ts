/**
 * `writeback push | update | delete PATH…`: put files of a mount on the server and wait until the provider has them.
 * A running mount of the folder is handed the paths (it sends them as if its watcher had seen them, so nothing goes
 * twice); otherwise this process sends them through the same queue, outbox first. Either way the outcome is read
 * from the mount's records, by content.
 */
import { Command, Option } from "@commander-js/extra-typings";
import { formatAge } from "../lib/duration.ts";
import { MountBusyError, UsageError } from "../lib/errors.ts";
import { isSettled, type PushOutcome, pushOutcome } from "../inspect/push_outcome.ts";
import { loadIgnoreRules } from "../mount/ignore_file.ts";
import { fixedToken } from "../mount/token_source.ts";
import { relativeToRoot, remotePathFromArgument } from "../protocol/mod.ts";
import { isDaemonAlive, readDaemonMarker, requestScan, sha256Hex } from "../relay/mod.ts";
import { loadPushRecords, type PushRecords } from "./_push_records.ts";
import type { CommandContext } from "./_context.ts";
import { ExitCode } from "./_exit_codes.ts";
import { durationArgument } from "./_filters.ts";
import type { CliIo } from "./_io.ts";
import { dirOption, jsonOption } from "./_options.ts";
import { printError, printNote } from "./_output.ts";
import { serverAccess } from "./_send_now.ts";
import { openWritebackTargetOf, type WritebackTarget } from "./_writeback_target.ts";

export type FileVerb = "push" | "update" | "delete";

const DESCRIPTIONS: Record<FileVerb, string> = {
  push: "Send files of a mount to the server (create or update) and wait until the provider has them.",
  update: "Like push, for files the server already has: a path it lacks is refused, nothing is created.",
  delete: "Delete files of a mount, here and on the server, and wait until the provider has the deletion.",
};

const EXIT_HELP =
  "\nExit codes: 0 delivered, 1 refused by the server or the provider (or a conflict), 2 usage error,\n" +
  "3 could not send (no mount, no server or token, server unreachable), 4 --timeout passed with the write still\n" +
  "on its way (it stays in the outbox; relayfile writeback status --wait follows it).";

const POLL_MS = 200;
/** With `--timeout 0`: the longest wait for the server to accept (the provider is not waited for). */
const ACCEPT_WAIT_MS = 30_000;

/** One PATH of the command line, checked and hashed. */
interface Target {
  argument: string;
  relative: string;
  path: string;
  /** SHA-256 of the bytes sent; null for a delete. */
  hash: string | null;
  /** The file as it was read, to notice a change made while it is pushed. */
  stat: { size: number; mtimeMs: number } | null;
  /** Set when the path is refused before anything is sent. */
  refused?: string;
}

interface Result extends PushOutcome {
  target: Target;
  exitCode: ExitCode;
  message: string;
  hint?: string;
  receipt: "delivered" | "pending" | "refused" | "unavailable" | null;
}

export function writebackFileCommand(verb: FileVerb, { io, exit }: CommandContext) {
  return new Command(verb)
    .description(DESCRIPTIONS[verb])
    .argument("<paths...>", "files inside a mount folder (or relative to --dir)")
    .addOption(dirOption())
    .addOption(
      new Option("--timeout <duration>", "how long to wait for the provider's receipt; 0: only until the server has it")
        .argParser(durationArgument).default(90_000, "90s"),
    )
    .addOption(jsonOption())
    .addHelpText("after", EXIT_HELP)
    .action(async (args, options) => {
      const target = await openWritebackTargetOf(io, args[0]!, options.dir);
      const targets = await checkTargets(io, verb, target, args);
      const wanted = targets.filter((entry) => entry.refused === undefined);
      if (verb === "delete") {
        for (const entry of wanted) await Deno.remove(`${target.mountDir}/${entry.relative}`).catch(() => {});
      }
      const results = wanted.length > 0 ? await send(io, target, wanted, options.timeout) : [];
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
      for (const result of results) report(io, verb, result, options.json ?? false);
      exit(worst(results.map((result) => result.exitCode)));
    });
}

/** Each PATH as a file of the mount: inside it, not ignored, present (push, update) and known remotely (update). */
async function checkTargets(io: CliIo, verb: FileVerb, target: WritebackTarget, args: string[]): Promise<Target[]> {
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
    const local = `${target.mountDir}/${relative}`;
    const info = await Deno.stat(local).catch(() => undefined);
    if (!info?.isFile) throw new UsageError(`${argument}: no such file`);
    const hash = await sha256Hex(await Deno.readFile(local));
    const refused = verb === "update" && !known
      ? `${argument} is not on the server (as far as the mount knows): update creates nothing`
      : undefined;
    targets.push({
      argument,
      relative,
      path,
      hash,
      stat: { size: info.size, mtimeMs: info.mtime?.getTime() ?? 0 },
      ...(refused ? { refused } : {}),
    });
  }
  return targets;
}

/** Who sends: the running mount (handed the paths), this process, or nobody (no server or token here). */
type Sender =
  | { kind: "mount" }
  /** Resolves `false` when a mount took the folder first and was handed the paths instead. */
  | { kind: "here"; finished: Promise<boolean> }
  | { kind: "no-credentials" };

async function startSending(
  io: CliIo,
  target: WritebackTarget,
  records: PushRecords,
  relatives: string[],
  wait: { deadline: number; awaitReceipts: boolean; log: (line: string) => void },
): Promise<Sender> {
  if (isDaemonAlive(await readDaemonMarker(target.mountDir), io.now().getTime())) {
    await requestScan(target.mountDir, relatives);
    return { kind: "mount" };
  }
  const access = await serverAccess(io, target);
  if (!access) return { kind: "no-credentials" };
  const { runPush } = await import("../mount/push.ts");
  const finished = runPush({
    mountDir: target.mountDir,
    server: access.server,
    workspace: records.workspaceId ?? access.workspace,
    remoteRoot: records.remoteRoot,
    tokens: fixedToken(access.token),
    relativePaths: relatives,
    ...wait,
  }).then(() => true, async (error) => {
    if (!(error instanceof MountBusyError)) throw error;
    await requestScan(target.mountDir, relatives); // a mount started meanwhile: it sends them
    return false;
  });
  return { kind: "here", finished };
}

/** Hands the paths to the running mount, or sends them here; then follows each until settled or out of time. */
async function send(io: CliIo, target: WritebackTarget, targets: Target[], timeoutMs: number): Promise<Result[]> {
  const awaitReceipts = timeoutMs > 0;
  const deadline = io.now().getTime() + (awaitReceipts ? timeoutMs : ACCEPT_WAIT_MS);
  const logged: string[] = [];
  const records = await loadPushRecords(target.mountDir);
  const sender = await startSending(io, target, records, targets.map((entry) => entry.relative), {
    deadline,
    awaitReceipts,
    log: (line) => logged.push(line),
  });
  if (sender.kind === "no-credentials") {
    return targets.map((entry) => ({
      target: entry,
      state: "unseen",
      exitCode: ExitCode.failed,
      message: `could not send ${entry.argument}: no server or token for this mount here`,
      hint: "set RELAYFILE_TOKEN (and RELAYFILE_SERVER), or run relayfile mount for the folder: it sends it",
      receipt: null,
    }));
  }
  // The op ids seen on the way: a delivered write leaves no op record to name them.
  const seen = targets.map((): Pick<PushOutcome, "opId" | "serverOpId"> => ({}));
  const outcomes = async () => {
    const now = await loadPushRecords(target.mountDir);
    const found = targets.map((entry, index) => {
      const outcome = pushOutcome(entry, now);
      if (outcome.opId) seen[index]!.opId = outcome.opId;
      if (outcome.serverOpId) seen[index]!.serverOpId = outcome.serverOpId;
      return { ...seen[index], ...outcome };
    });
    return { records: now, outcomes: found };
  };
  const done = (outcome: PushOutcome) => isSettled(outcome) || (!awaitReceipts && outcome.state === "accepted");
  let finished = false;
  const sentHere = sender.kind === "here" ? sender.finished.finally(() => finished = true) : Promise.resolve(false);
  for (
    let current = await outcomes();
    !current.outcomes.every(done) && !finished && io.now().getTime() < deadline;
    current = await outcomes()
  ) {
    await Promise.race([new Promise((resolve) => setTimeout(resolve, POLL_MS)), sentHere]);
  }
  const context = { sentHere: await sentHere, awaitReceipts, timeoutMs };
  const last = await outcomes();
  for (const line of logged) if (/refus|not sending|conflict|dead-lettered/.test(line)) printNote(io, line);
  return await Promise.all(targets.map(async (entry, index) =>
    resultOf(entry, last.outcomes[index]!, {
      ...context,
      receiptsAvailable: last.records.receiptsAvailable,
      changed: await changedSince(target.mountDir, entry),
    })
  ));
}

async function changedSince(mountDir: string, entry: Target): Promise<boolean> {
  const info = await Deno.stat(`${mountDir}/${entry.relative}`).catch(() => undefined);
  if (entry.stat === null) return info !== undefined;
  return !info?.isFile || info.size !== entry.stat.size || (info.mtime?.getTime() ?? 0) !== entry.stat.mtimeMs;
}

/** What an outcome means for the user: exit code, message, hint. */
function resultOf(
  target: Target,
  outcome: PushOutcome,
  context: {
    sentHere: boolean;
    awaitReceipts: boolean;
    receiptsAvailable: boolean;
    timeoutMs: number;
    changed: boolean;
  },
): Result {
  const name = target.argument;
  const base = { target, ...outcome };
  switch (outcome.state) {
    case "delivered":
      return {
        ...base,
        exitCode: ExitCode.ok,
        message: context.receiptsAvailable ? "delivered to the provider" : "on the server (receipts unavailable there)",
        receipt: context.receiptsAvailable ? "delivered" : "unavailable",
      };
    case "accepted":
      return context.awaitReceipts
        ? {
          ...base,
          exitCode: ExitCode.timeout,
          message: `${name} is on the server, but the provider's receipt did not come within ` +
            spoken(context.timeoutMs),
          hint: "it stays in the outbox: relayfile writeback status --wait (or a running mount) follows it",
          receipt: "pending",
        }
        : { ...base, exitCode: ExitCode.ok, message: "accepted by the server", receipt: "pending" };
    case "refused":
      return {
        ...base,
        exitCode: ExitCode.actionable,
        message: `${outcome.serverOpId ? "the provider" : "the server"} refused ${name}: ${outcome.error ?? "?"}`,
        hint: `fix the cause, then: relayfile writeback retry --opId ${outcome.opId}`,
        receipt: outcome.serverOpId ? "refused" : null,
      };
    case "conflict":
      return {
        ...base,
        exitCode: ExitCode.actionable,
        message: `${name} was changed on the server first: conflict (the server's version is in the folder now)`,
        hint: "your bytes are kept under .relay/conflicts/; relayfile writeback status lists it",
        receipt: null,
      };
    default:
      if (context.changed) {
        return {
          ...base,
          exitCode: ExitCode.actionable,
          message: `${name} changed while it was being pushed; the newer content is what the mount sends`,
          hint: "push it again to wait for the newer content",
          receipt: null,
        };
      }
      if (context.sentHere) {
        return {
          ...base,
          exitCode: ExitCode.failed,
          message: `could not send ${name}${outcome.error ? `: ${outcome.error}` : ""}`,
          hint: "it stays in the outbox: the next relayfile mount of the folder (or a later push) sends it",
          receipt: null,
        };
      }
      return {
        ...base,
        exitCode: ExitCode.timeout,
        message: `${name} is not on the server after ${spoken(context.timeoutMs || ACCEPT_WAIT_MS)}` +
          (outcome.error ? ` (last attempt: ${outcome.error})` : ""),
        hint: "the running mount keeps sending it: relayfile writeback status --wait follows it",
        receipt: null,
      };
  }
}

function report(io: CliIo, verb: FileVerb, result: Result, json: boolean): void {
  if (json) {
    io.stdout(
      JSON.stringify({
        schemaVersion: 1,
        action: verb,
        path: result.target.path,
        localPath: result.target.argument,
        state: result.state,
        receipt: result.receipt,
        opId: result.opId ?? null,
        serverOpId: result.serverOpId ?? null,
        revision: result.revision ?? null,
        error: result.exitCode === ExitCode.ok ? null : result.message,
        exitCode: result.exitCode,
      }) + "\n",
    );
    return;
  }
  if (result.exitCode !== ExitCode.ok) {
    printError(io, result.message, result.hint);
    return;
  }
  const done = verb === "delete" ? `Deleted ${result.target.path}` : `${verb === "update" ? "Updated" : "Pushed"} ` +
    `${result.target.argument} -> ${result.target.path}`;
  const details = [result.revision ? `revision ${result.revision}` : "", result.message].filter(Boolean).join(", ");
  io.stdout(`${done} (${details})\n`);
}

/** The exit code of several results: a refusal first, then what could not be sent, then what ran out of time. */
function worst(codes: ExitCode[]): ExitCode {
  for (const code of [ExitCode.actionable, ExitCode.failed, ExitCode.timeout]) if (codes.includes(code)) return code;
  return ExitCode.ok;
}

/** A limit as the user would have typed it: `2s`, `90s`, `5m`. */
function spoken(ms: number): string {
  return ms % 60_000 === 0 ? formatAge(ms) : `${Math.round(ms / 1_000)}s`;
}
