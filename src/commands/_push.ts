/**
 * Sending files of a mount and following them to the provider, for `writeback push | update | delete` and
 * `writeback resolve`: a running mount of the folder is handed the paths (it sends them as if its watcher had seen
 * them, so nothing goes twice); otherwise this process sends them through the same queue, outbox first. Either way
 * the outcome is read from the mount's records, by content.
 */
import { formatAge } from "../lib/duration.ts";
import { UsageError } from "../lib/errors.ts";
import { formatBytes } from "../lib/bytes.ts";
import { readWholeFile } from "../lib/whole_files.ts";
import { LARGEST_LOCAL_FILE_BYTES, TOO_LARGE_TO_SEND } from "../mount/local_fs.ts";
import { isSettled, type PushOutcome, pushOutcome } from "../inspect/push_outcome.ts";
import { requestScan, sha256Hex } from "../relay/mod.ts";
import { loadPushRecords } from "./_push_records.ts";
import { ExitCode } from "./_exit_codes.ts";
import type { CliIo } from "./_io.ts";
import { printError, printNote } from "./_output.ts";
import { mountIsRunning, runSessionHere } from "./_here.ts";
import type { WritebackTarget } from "./_writeback_target.ts";

export type FileVerb = "push" | "update" | "delete" | "resolve";

const DONE: Record<Exclude<FileVerb, "delete">, string> = { push: "Pushed", update: "Updated", resolve: "Resolved" };

const POLL_MS = 200;
/** With `--timeout 0`: the longest wait for the server to accept (the provider is not waited for). */
const ACCEPT_WAIT_MS = 30_000;

/** One PATH of the command line, checked and hashed. */
export interface Target {
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

export interface Result extends PushOutcome {
  target: Target;
  exitCode: ExitCode;
  message: string;
  hint?: string;
  receipt: "delivered" | "pending" | "refused" | "unavailable" | null;
}

/** A file of the mount as it is now: its hash, and its stat to notice a change made while it is pushed. */
export async function fileTarget(mountDir: string, argument: string, relative: string, path: string): Promise<Target> {
  const local = `${mountDir}/${relative}`;
  const info = await Deno.stat(local).catch(() => undefined);
  if (!info?.isFile) throw new UsageError(`${argument}: no such file`);
  if (info.size > LARGEST_LOCAL_FILE_BYTES) {
    throw new UsageError(`${argument} is ${formatBytes(info.size)}: ${TOO_LARGE_TO_SEND}`, {
      hint: "make it smaller, or move it out of the mount folder",
    });
  }
  return {
    argument,
    relative,
    path,
    hash: await sha256Hex(await readWholeFile(local, LARGEST_LOCAL_FILE_BYTES)),
    stat: { size: info.size, mtimeMs: info.mtime?.getTime() ?? 0 },
  };
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
  relatives: string[],
  wait: { deadline: number; awaitReceipts: boolean; log: (line: string) => void },
): Promise<Sender> {
  if (await mountIsRunning(io, target.mountDir)) {
    await requestScan(target.mountDir, relatives);
    return { kind: "mount" };
  }
  const session = await runSessionHere(io, target, { relativePaths: relatives, ...wait });
  if (!session) return { kind: "no-credentials" };
  const finished = session.finished.then(async (ran) => {
    if (!ran) await requestScan(target.mountDir, relatives); // a mount started meanwhile: it sends them
    return ran;
  });
  return { kind: "here", finished };
}

/**
 * Rewrites the mount's `state.json` from its records now, when no mount runs to do it (a running one re-reads its
 * conflicts every second): after `resolve --keep remote`, which changes no file, the state must not keep the conflict.
 */
export async function refreshMountState(io: CliIo, target: WritebackTarget): Promise<void> {
  if (await mountIsRunning(io, target.mountDir)) return;
  const session = await runSessionHere(io, target, { relativePaths: [], deadline: 0, awaitReceipts: false });
  await session?.finished;
}

/** Hands the paths to the running mount, or sends them here; then follows each until settled or out of time. */
export async function sendAndFollow(
  io: CliIo,
  target: WritebackTarget,
  targets: Target[],
  timeoutMs: number,
): Promise<Result[]> {
  const awaitReceipts = timeoutMs > 0;
  const deadline = io.now().getTime() + (awaitReceipts ? timeoutMs : ACCEPT_WAIT_MS);
  const logged: string[] = [];
  const sender = await startSending(io, target, targets.map((entry) => entry.relative), {
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
        message: (outcome.merged ? "merged with the server's newer edits of other lines, " : "") +
          (context.receiptsAvailable ? "delivered to the provider" : "on the server (receipts unavailable there)"),
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

export function reportResult(io: CliIo, verb: FileVerb, result: Result, json: boolean): void {
  if (json) {
    io.stdout(
      JSON.stringify({
        schemaVersion: 1,
        action: verb,
        path: result.target.path,
        localPath: result.target.argument,
        state: result.state,
        merged: result.merged ?? false,
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
  const done = verb === "delete"
    ? `Deleted ${result.target.path}`
    : `${DONE[verb]} ${result.target.argument} -> ${result.target.path}`;
  const details = [result.revision ? `revision ${result.revision}` : "", result.message].filter(Boolean).join(", ");
  io.stdout(`${done} (${details})\n`);
}

/** The exit code of several results: a refusal first, then what could not be sent, then what ran out of time. */
export function worstExit(codes: ExitCode[]): ExitCode {
  for (const code of [ExitCode.actionable, ExitCode.failed, ExitCode.timeout]) if (codes.includes(code)) return code;
  return ExitCode.ok;
}

/** A limit as the user would have typed it: `2s`, `90s`, `5m`. */
function spoken(ms: number): string {
  return ms % 60_000 === 0 ? formatAge(ms) : `${Math.round(ms / 1_000)}s`;
}
