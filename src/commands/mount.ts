import { Command, InvalidArgumentError, Option } from "@commander-js/extra-typings";
import { resolve } from "node:path";
import {
  configDir,
  credentialsPath,
  findById,
  findByName,
  readCredentials,
  readWorkspaces,
  upsertWorkspace,
  withLocalDir,
  workspaceFromToken,
  writeWorkspaces,
} from "../config/mod.ts";
import { errorMessage, InvalidRecordError, UsageError } from "../lib/errors.ts";
import { requireJwt, serverUrl } from "./_checked_input.ts";
import { createLogger, type Log } from "../lib/log.ts";
import { ExitCode } from "./_exit_codes.ts";
import { printNote } from "./_output.ts";
import {
  describeSummary,
  type DryRunPlan,
  fileToken,
  fixedToken,
  planDryRun,
  runMount,
  textFileToken,
  type TokenSource,
} from "../mount/mod.ts";
import { DEFAULT_POLICY } from "../writeback/mod.ts";
import type { CommandContext } from "./_context.ts";
import type { CliIo } from "./_io.ts";
import { refuseDangerousStart } from "./_mount_guard.ts";
import { LONGEST_TIMER_MS } from "../lib/duration.ts";
import { positiveDurationArgument } from "./_filters.ts";

export const DEFAULT_SERVER = "http://127.0.0.1:8080";

const durationArgument = positiveDurationArgument("500ms, 30s or 5m");
const waitArgument = positiveDurationArgument("500ms, 30s or 5m", LONGEST_TIMER_MS);

export function mountCommand({ io, exit }: CommandContext) {
  return new Command("mount")
    .description(
      "Mount a workspace into DIR: pull it, then keep both sides in sync until SIGINT/SIGTERM " +
        "(then the outbox drains for --drain-timeout).",
    )
    .argument("[dir]", "local folder (env RELAYFILE_LOCAL_DIR; default: the current folder)")
    .option("--server <url>", `relayfile server (env RELAYFILE_SERVER, RELAYFILE_BASE_URL; default ${DEFAULT_SERVER})`)
    .option("--workspace <id>", "workspace id (env RELAYFILE_WORKSPACE, else the token's claim)")
    .option("--token <jwt>", "bearer token; - reads it from stdin (visible in ps otherwise: prefer --token-file)")
    .option("--token-file <file>", "file holding the token, re-read when the server answers 401")
    .option("--creds-file <file>", "JSON file with a token, re-read on 401 (env RELAYFILE_MOUNT_CREDS_FILE)")
    .option("--remote-path <path>", "remote folder to mirror (env RELAYFILE_REMOTE_PATH)", "")
    .option("--interval <duration>", "poll and full-scan period", waitArgument, 30_000)
    .option("--no-websocket", "poll the events feed instead of listening on the WebSocket")
    .option("--once", "one sync (pull, push, drain) and exit")
    .option("--drain-timeout <duration>", "how long to send queued changes when stopping", waitArgument, 10_000)
    .option("--request-timeout <duration>", "longest wait for one request to the server", waitArgument, 30_000)
    .option(
      "--max-attempts <n>",
      "attempts before a change that keeps failing transiently is dead-lettered",
      attemptsArgument,
      DEFAULT_POLICY.maxAttempts,
    )
    .option(
      "--max-age <duration>",
      "or, failing while the server serves others, once a change is this old",
      durationArgument,
      DEFAULT_POLICY.maxAgeMs,
    )
    .option(
      "--exclude <pattern>",
      "never sync paths matching this gitignore pattern (repeatable; also .relayignore in DIR)",
      (pattern: string, previous: string[]) => [...previous, pattern],
      [] as string[],
    )
    .addOption(
      new Option("--conflict-copies <where>", "where your bytes go when both sides changed the same lines")
        .choices(["beside", "hidden"] as const).default("beside" as const),
    )
    .option("--allow-non-empty", "mount a folder that already holds files (they are uploaded)")
    .option("--dry-run", "print what a sync would upload and download, change nothing, and exit")
    .option("--verbose", "also log each sync action (up, down, delete) and a summary every minute")
    .addOption(
      new Option("--log-format <format>", "text lines, or one JSON object per line (time, level, msg, event, path)")
        .choices(["text", "json"] as const).default("text" as const),
    )
    .option("--log-file <file>", "also append the log to FILE (created 0600)")
    .action(async (dir, options) => {
      const tokens = await tokenSource(io, options);
      const workspace = options.workspace ?? io.env.RELAYFILE_WORKSPACE ?? workspaceFromToken(tokens.current());
      if (!workspace) {
        throw new UsageError("workspace is required", {
          hint: "pass --workspace, set RELAYFILE_WORKSPACE, or use a token with a workspace claim",
        });
      }
      const claimed = workspaceFromToken(tokens.current());
      if (claimed !== undefined && claimed !== workspace) {
        // The server answers only "workspace mismatch" (403): say here which workspace the token is for.
        printNote(io, `the token is for workspace ${claimed}, not ${workspace}: the server will likely refuse it`);
      }
      const server = await serverOf(io, options.server);
      const mountDir = resolve(io.cwd, dir ?? (io.env.RELAYFILE_LOCAL_DIR || "."));
      const remoteRoot = options.remotePath || io.env.RELAYFILE_REMOTE_PATH || "/";
      if (options.dryRun) {
        const plan = await planDryRun({
          mountDir,
          server,
          workspace,
          remoteRoot,
          tokens,
          excludes: options.exclude,
          requestTimeoutMs: options.requestTimeout,
        });
        printDryRun(io, plan);
        return;
      }
      await refuseDangerousStart(mountDir, {
        allowNonEmpty: options.allowNonEmpty ?? false,
        remoteRoot,
        home: io.env.HOME ?? io.env.USERPROFILE,
      });

      const log = await openLog(io, options);
      const controller = new AbortController();
      const force = new AbortController();
      if (!options.once) {
        io.waitForShutdown().then((signal) => {
          log(
            `${signal}: stopping; sending what is queued (up to ${options.drainTimeout / 1000}s); ` +
              "press Ctrl-C again to stop at once",
            { event: "stopping" },
          );
          controller.abort();
          return io.waitForShutdown();
        }).then((signal) => {
          log(`${signal}: stopping now; unsent changes stay in the outbox`, { event: "stopping" });
          force.abort();
        });
      }
      const summary = await runMount({
        mountDir,
        server,
        workspace,
        remoteRoot,
        excludes: options.exclude,
        conflictCopies: options.conflictCopies,
        tokens,
        intervalMs: options.interval,
        websocket: options.websocket,
        once: options.once ?? false,
        drainTimeoutMs: options.drainTimeout,
        policy: { ...DEFAULT_POLICY, maxAttempts: options.maxAttempts, maxAgeMs: options.maxAge },
        signal: controller.signal,
        forceSignal: force.signal,
        requestTimeoutMs: options.requestTimeout,
        onFirstSync: () => register(io, { workspace, mountDir, server }),
        log,
        ...(io.stderrIsTerminal ? { progress: progressBar(io) } : {}),
      });
      io.stderr(`${workspace} at ${mountDir}: ${describeSummary(summary)}\n`);
      if (summary.pending > 0) {
        io.stderr(`${summary.pending} changes not sent yet: kept in .relay/outbox, sent at the next start\n`);
      }
      if (summary.awaitingProvider > 0) {
        io.stderr(
          `${summary.awaitingProvider} changes on the server not yet confirmed by its provider: ` +
            "followed again at the next start (relayfile writeback status lists them)\n",
        );
      }
      if (summary.deadLettered > 0) exit(ExitCode.actionable);
    });
}

/**
 * The daemon's log: to stderr, and appended to `--log-file`; timestamps when stderr is not a terminal (a file, a
 * service manager, CI) and always in the file.
 */
async function openLog(
  io: CliIo,
  options: { verbose?: boolean; logFormat: "text" | "json"; logFile?: string },
): Promise<Log> {
  const base = { format: options.logFormat, verbose: options.verbose ?? false, now: () => io.now() };
  const toStderr = createLogger({ ...base, timestamps: !io.stderrIsTerminal, sinks: [(line) => io.stderr(line)] });
  if (!options.logFile) return toStderr;
  const path = resolve(io.cwd, options.logFile);
  const file = await Deno.open(path, { append: true, create: true, mode: 0o600 }).catch((error) => {
    throw new UsageError(`cannot open --log-file ${path}: ${errorMessage(error)}`);
  });
  const encoder = new TextEncoder();
  const toFile = createLogger({ ...base, timestamps: true, sinks: [(line) => file.writeSync(encoder.encode(line))] });
  return (message, fields) => {
    toStderr(message, fields);
    toFile(message, fields);
  };
}

async function tokenSource(
  io: CliIo,
  options: { token?: string; tokenFile?: string; credsFile?: string },
): Promise<TokenSource> {
  const source = await readTokenSource(io, options);
  requireJwt(source.token.current(), source.from);
  return source.token;
}

/** Where the token comes from, in the order the README gives, and how to name that place in an error. */
async function readTokenSource(
  io: CliIo,
  options: { token?: string; tokenFile?: string; credsFile?: string },
): Promise<{ token: TokenSource; from: string }> {
  const credsFile = options.credsFile ?? io.env.RELAYFILE_MOUNT_CREDS_FILE;
  if (credsFile) {
    const file = resolve(io.cwd, credsFile);
    const token = await fileToken(file).catch((error) => brokenCredentials(file, error));
    if (!token.current()) throw new UsageError(`--creds-file ${file} holds no token`);
    return { token, from: `--creds-file ${file}` };
  }
  if (options.tokenFile) {
    const file = resolve(io.cwd, options.tokenFile);
    const token = await textFileToken(file).catch((error) => {
      throw new UsageError(`cannot read --token-file ${file}: ${error instanceof Error ? error.message : error}`);
    });
    if (!token.current()) throw new UsageError(`--token-file ${file} is empty`);
    return { token, from: `--token-file ${file}` };
  }
  if (options.token === "-") {
    const token = (await io.readStdin()).trim();
    if (!token) throw new UsageError("--token - read no token from standard input");
    return {
      token: fixedToken(token, "restart the mount with a new token on standard input"),
      from: "standard input",
    };
  }
  if (options.token !== undefined) {
    io.stderr(
      "warning: --token puts the token in the process list, visible to every local user; " +
        "prefer --token-file FILE, --token - (stdin) or RELAYFILE_TOKEN\n",
    );
    return { token: fixedToken(options.token.trim()), from: "--token" };
  }
  if (io.env.RELAYFILE_TOKEN?.trim()) {
    return {
      token: fixedToken(io.env.RELAYFILE_TOKEN.trim(), "restart the mount with a new RELAYFILE_TOKEN"),
      from: "RELAYFILE_TOKEN",
    };
  }
  const stored = credentialsPath(configDir(io.env, io.cwd));
  const token = await fileToken(stored).catch((error) => brokenCredentials(stored, error));
  if (!token.current()) {
    throw new UsageError("a token is required", {
      hint: "pass --token-file or --creds-file, set RELAYFILE_TOKEN, or save one in ~/.relayfile/credentials.json",
    });
  }
  return { token, from: stored };
}

/** A credentials file that exists but cannot be read as one is named as broken, not taken as absent. */
function brokenCredentials(file: string, error: unknown): never {
  throw new InvalidRecordError(file, `the credentials file ${file} is broken: ${errorMessage(error)}`, {
    hint: "fix it (a JSON object with a token), or remove it and pass the token another way",
  });
}

/** `--server`, else the environment, else the credentials file's, else the default — checked to be a URL. */
async function serverOf(io: CliIo, option: string | undefined): Promise<string> {
  if (option !== undefined) return serverUrl(option, "--server");
  for (const name of ["RELAYFILE_SERVER", "RELAYFILE_BASE_URL"] as const) {
    const value = io.env[name];
    if (value) return serverUrl(value, name);
  }
  const file = credentialsPath(configDir(io.env, io.cwd));
  const stored = (await readCredentials(configDir(io.env, io.cwd)).catch(() => undefined))?.server?.trim();
  return stored ? serverUrl(stored, file) : DEFAULT_SERVER;
}

/**
 * Records the mount in ~/.relayfile/workspaces.json once it has synced, so `writeback status WORKSPACE` finds the
 * folder; the workspace's other folders stay recorded beside it.
 */
async function register(io: CliIo, mount: { workspace: string; mountDir: string; server: string }): Promise<void> {
  const dir = configDir(io.env, io.cwd);
  const catalog = await readWorkspaces(dir);
  const existing = findByName(catalog, mount.workspace) ?? findById(catalog, mount.workspace);
  await writeWorkspaces(
    dir,
    upsertWorkspace(catalog, {
      name: mount.workspace,
      id: mount.workspace,
      ...withLocalDir(existing, mount.mountDir),
      server: mount.server.replace(/\/+$/, ""),
      agentName: "relayfile-deno",
    }, io.now()),
  );
}

function printDryRun(io: CliIo, plan: DryRunPlan): void {
  const section = (title: string, paths: string[]) => {
    io.stdout(`${title}: ${paths.length}\n`);
    for (const path of paths.slice(0, 50)) io.stdout(`  ${path}\n`);
    if (paths.length > 50) io.stdout(`  … and ${paths.length - 50} more\n`);
  };
  section("would upload", plan.upload);
  section("would download", plan.download);
  section("on both sides (compared)", plan.both);
  section("remote paths ignored here", plan.ignoredRemote);
  if (plan.unsendable.length > 0) section("local files not sent (rename, shrink or exclude them)", plan.unsendable);
  io.stdout("dry run: nothing was sent or written\n");
}

function progressBar(io: CliIo): (done: number, total: number) => void {
  let last = 0;
  return (done, total) => {
    if (total < 50 || (done !== total && Date.now() - last < 100)) return;
    last = Date.now();
    const width = 30;
    const filled = Math.round((done / total) * width);
    io.stderr(
      `\rpulling [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total}${done === total ? "\n" : ""}`,
    );
  };
}

function attemptsArgument(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError("expected a whole number of at least 1");
  return value;
}
