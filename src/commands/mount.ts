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
import { UsageError } from "../lib/errors.ts";
import { ExitCode } from "./_exit_codes.ts";
import {
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
import { positiveDurationArgument } from "./_filters.ts";

export const DEFAULT_SERVER = "http://127.0.0.1:8080";

const durationArgument = positiveDurationArgument("500ms, 30s or 5m");

export function mountCommand({ io, exit }: CommandContext) {
  return new Command("mount")
    .description(
      "Mount a workspace into DIR: pull it, then keep both sides in sync until SIGINT/SIGTERM " +
        "(then the outbox drains for --drain-timeout).",
    )
    .argument("[dir]", "local folder", ".")
    .option("--server <url>", `relayfile server (env RELAYFILE_SERVER, RELAYFILE_BASE_URL; default ${DEFAULT_SERVER})`)
    .option("--workspace <id>", "workspace id (env RELAYFILE_WORKSPACE, else the token's claim)")
    .option("--token <jwt>", "bearer token; - reads it from stdin (visible in ps otherwise: prefer --token-file)")
    .option("--token-file <file>", "file holding the token, re-read when the server answers 401")
    .option("--creds-file <file>", "JSON file with a token, re-read when the server answers 401")
    .option("--remote-path <path>", "remote folder to mirror (env RELAYFILE_REMOTE_PATH)", "")
    .option("--interval <duration>", "poll and full-scan period", durationArgument, 30_000)
    .option("--no-websocket", "poll the events feed instead of listening on the WebSocket")
    .option("--once", "one sync (pull, push, drain) and exit")
    .option("--drain-timeout <duration>", "how long to send queued changes when stopping", durationArgument, 10_000)
    .option("--request-timeout <duration>", "longest wait for one request to the server", durationArgument, 30_000)
    .option(
      "--max-attempts <n>",
      "attempts before a change that keeps failing transiently is dead-lettered",
      attemptsArgument,
      DEFAULT_POLICY.maxAttempts,
    )
    .option(
      "--max-age <duration>",
      "or once a change has been failing this long",
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
    .option("--verbose", "log each sync event")
    .action(async (dir, options) => {
      const tokens = await tokenSource(io, options);
      const workspace = options.workspace ?? io.env.RELAYFILE_WORKSPACE ?? workspaceFromToken(tokens.current());
      if (!workspace) {
        throw new UsageError("workspace is required", {
          hint: "pass --workspace, set RELAYFILE_WORKSPACE, or use a token with a workspace claim",
        });
      }
      const server = options.server ?? io.env.RELAYFILE_SERVER ?? io.env.RELAYFILE_BASE_URL ??
        ((await readCredentials(configDir(io.env, io.cwd)).catch(() => undefined))?.server || DEFAULT_SERVER);
      const mountDir = resolve(io.cwd, dir);
      const remoteRoot = options.remotePath || io.env.RELAYFILE_REMOTE_PATH || "/";
      if (options.dryRun) {
        const plan = await planDryRun({
          mountDir,
          server: server.replace(/\/+$/, ""),
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

      const controller = new AbortController();
      const force = new AbortController();
      if (!options.once) {
        io.waitForShutdown().then((signal) => {
          io.stderr(
            `${signal}: stopping; sending what is queued (up to ${options.drainTimeout / 1000}s); ` +
              "press Ctrl-C again to stop at once\n",
          );
          controller.abort();
          return io.waitForShutdown();
        }).then((signal) => {
          io.stderr(`${signal}: stopping now; unsent changes stay in the outbox\n`);
          force.abort();
        });
      }
      const log = (line: string) => io.stderr(`${line}\n`);
      const summary = await runMount({
        mountDir,
        server: server.replace(/\/+$/, ""),
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
        log: options.verbose ? log : (line) => {
          if (/conflict|dead-lettered|REVERTED|skipped|failed|not sending|keeping|paused|resumed|renewed/.test(line)) {
            log(line);
          }
        },
        ...(io.stderrIsTerminal ? { progress: progressBar(io) } : {}),
      });
      io.stderr(
        `${workspace} at ${mountDir}: ${summary.files} files, ${summary.pending} pending, ` +
          `${summary.deadLettered} dead-lettered, ${summary.conflicts} conflicts\n`,
      );
      if (summary.pending > 0) {
        io.stderr(`${summary.pending} changes not sent yet: kept in .relay/outbox, sent at the next start\n`);
      }
      if (summary.deadLettered > 0) exit(ExitCode.actionable);
    });
}

async function tokenSource(
  io: CliIo,
  options: { token?: string; tokenFile?: string; credsFile?: string },
): Promise<TokenSource> {
  if (options.credsFile) return await fileToken(resolve(io.cwd, options.credsFile));
  if (options.tokenFile) {
    const file = resolve(io.cwd, options.tokenFile);
    const source = await textFileToken(file).catch((error) => {
      throw new UsageError(`cannot read --token-file ${file}: ${error instanceof Error ? error.message : error}`);
    });
    if (!source.current()) throw new UsageError(`--token-file ${file} is empty`);
    return source;
  }
  if (options.token === "-") {
    const token = (await io.readStdin()).trim();
    if (!token) throw new UsageError("--token - read no token from standard input");
    return fixedToken(token);
  }
  if (options.token !== undefined) {
    io.stderr(
      "warning: --token puts the token in the process list, visible to every local user; " +
        "prefer --token-file FILE, --token - (stdin) or RELAYFILE_TOKEN\n",
    );
  }
  const direct = options.token ?? io.env.RELAYFILE_TOKEN;
  if (direct?.trim()) return fixedToken(direct.trim());
  const stored = credentialsPath(configDir(io.env, io.cwd));
  const source = await fileToken(stored).catch(() => undefined);
  if (!source?.current()) {
    throw new UsageError("a token is required", {
      hint: "pass --token or --creds-file, set RELAYFILE_TOKEN, or save one in ~/.relayfile/credentials.json",
    });
  }
  return source;
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
