/**
 * `relayfile mount` as a library call: build the parts, sync once, then follow local watch hints, remote events
 * and periodic scans until `signal` aborts; then drain the outbox for a bounded time and save the state.
 */
import { errorMessage, MountBusyError, type RelayfileError } from "../lib/errors.ts";
import type { Log } from "../lib/log.ts";
import { formatDuration } from "../lib/duration.ts";
import { HttpError } from "../remote/errors.ts";
import { normalizeRemotePath } from "../protocol/paths.ts";
import { acquireMountLock, type MountLock } from "../relay/mount_lock.ts";
import type { RetryPolicy } from "../writeback/policy.ts";
import { every } from "./every.ts";
import { RemoteFeed } from "./feed.ts";
import type { ConflictCopies } from "./context.ts";
import { openSession } from "./session.ts";
import { errorState, initialStatus, pullFailed, pullStarted, pullSucceeded, stoppedOnPurpose } from "./status.ts";
import type { TokenSource } from "./token_source.ts";
import { describeSummary, type MountSummary, summary } from "./save_state.ts";
import { LocalWatcher } from "./watch.ts";
import { feedWentBackOn } from "./pull.ts";
import { IGNORE_FILE } from "./ignore.ts";
import { reloadIgnoreRules } from "./ignore_file.ts";

export { describeSummary, type MountSummary } from "./save_state.ts";

export interface MountOptions {
  mountDir: string;
  server: string;
  workspace: string;
  remoteRoot: string;
  tokens: TokenSource;
  intervalMs: number;
  websocket: boolean;
  once: boolean;
  drainTimeoutMs: number;
  signal: AbortSignal;
  log: Log;
  progress?: (done: number, total: number) => void;
  policy?: RetryPolicy;
  /** Full local scan period (default: the interval). */
  scanIntervalMs?: number;
  /** Called once, after the first pull that succeeds (the CLI records the folder in its catalog then). */
  onFirstSync?: () => Promise<void>;
  /** Longest wait for one request (default 30 s). */
  requestTimeoutMs?: number;
  /** After `signal`: stop now, without waiting for the drain (a second Ctrl-C). */
  forceSignal?: AbortSignal;
  /** `--exclude` patterns (gitignore syntax), beside the folder's `.relayignore` and the built-in defaults. */
  excludes?: readonly string[];
  /** `--conflict-copies`: beside the file (default) or only under `.relay/conflicts/`. */
  conflictCopies?: ConflictCopies;
}

const SAVE_EVERY_MS = 250;
/** The one-line summary at `--verbose`, like rclone's `--stats`. */
const STATS_EVERY_MS = 60_000;
const FULL_RECONCILE_EVERY = 10;
/** A folder that appears is rescanned again after these delays (files written into it may produce no events). */
const FOLDER_FOLLOW_UPS_MS = [100, 1_000];

export async function runMount(options: MountOptions): Promise<MountSummary> {
  const { mountDir } = options;
  const remoteRoot = normalizeRemotePath(options.remoteRoot);
  await Deno.mkdir(mountDir, { recursive: true });
  const startedAt = new Date().toISOString();
  const lock = await acquireMountLock(mountDir, { pid: Deno.pid, startedAt, heartbeatAt: startedAt });
  try {
    return await mountLocked(options, remoteRoot, lock, startedAt);
  } finally {
    await lock.release();
  }
}

/** The mount, once it holds the folder's lock. */
async function mountLocked(
  options: MountOptions,
  remoteRoot: string,
  lock: MountLock,
  startedAt: string,
): Promise<MountSummary> {
  const { mountDir, log } = options;
  // Reads stop as soon as the mount is told to stop; writes may go on until the drain is over.
  const stopReads = new AbortController();
  const forced = new Promise<void>((resolve) => {
    if (options.forceSignal?.aborted) resolve();
    options.forceSignal?.addEventListener("abort", () => resolve(), { once: true });
  });
  const stopOnSignal = () => stopReads.abort();
  options.signal.addEventListener("abort", stopOnSignal, { once: true });
  if (options.signal.aborted) stopReads.abort();
  const session = await openSession(
    { ...options, remoteRoot },
    lock,
    startedAt,
    stopReads.signal,
  );
  const { paths, queue, engine, client, rules } = session;

  let status = initialStatus(options.websocket && !options.once ? "reconnecting" : "polling");
  let needsFullPull = paths.size === 0;
  // Once per session, for a folder that synced before: a server whose events went back was reset (`feedWentBack`).
  let feedChecked = paths.size === 0;
  let synced = false;
  // A 401 on a pull re-reads the token source once; without a new token, pulls wait for one (no requests).
  let awaitingCredentials = false;
  // Offline and back online are said once each, not at every failed pull.
  let offline = false;
  const pull = async (full: boolean): Promise<void> => {
    if (awaitingCredentials) return;
    status = pullStarted(status, Date.now());
    try {
      if (!feedChecked) {
        needsFullPull ||= await feedWentBackOn(client, paths);
        feedChecked = true;
      }
      const first = full || needsFullPull;
      await engine.pull({ full: first, ...(first && options.progress ? { progress: options.progress } : {}) });
      needsFullPull = false;
      status = pullSucceeded(status);
      queue.serverAnsweredElsewhere();
      if (offline) {
        offline = false;
        log(`back online: ${options.server} answers again`, { event: "online" });
      }
      if (!synced) {
        synced = true;
        await options.onFirstSync?.();
      }
    } catch (error) {
      if (stoppedOnPurpose(error)) throw error;
      if (error instanceof HttpError && error.status === 401) {
        if (await options.tokens.reload()) return await pull(full);
        // Two pulls (the feed's and a full reconcile) may meet the same 401: say it once.
        if (!awaitingCredentials) {
          log(`pulls paused: the server refuses the token (401); ${options.tokens.renewal}`);
        }
        awaitingCredentials = true;
      }
      status = pullFailed(status, error, Date.now());
      if (status.lastError?.kind === "offline" && !offline && synced) {
        offline = true;
        log(
          `offline: cannot pull from ${options.server} (${status.lastError.message}); ` +
            "changes are kept and go out when it answers",
          { event: "offline" },
        );
      }
      throw error;
    }
  };
  /** While anything waits for new credentials, the heartbeat re-reads the token source; a new token resumes all. */
  const checkCredentials = async () => {
    if (!awaitingCredentials && !queue.awaitingCredentials) return;
    if (!(await options.tokens.reload())) return;
    awaitingCredentials = false;
    queue.credentialsRenewed();
    log("credentials renewed: syncing again");
    track(pull(false).catch(() => {}));
  };
  const save = () => {
    const refused = status.lastError?.kind === "reauth"
      ? status.lastError
      : queue.awaitingCredentials
      ? errorState(new HttpError(401, {}), Date.now())
      : null;
    const mount = {
      workspaceId: options.workspace,
      remoteRoot,
      mode: options.websocket ? "websocket" as const : "poll" as const,
      intervalMs: options.intervalMs,
    };
    const lastError = refused
      ? { ...refused, message: `the server refuses the token: ${options.tokens.renewal}` }
      : status.lastError;
    return session.save(mount, { ...status, lastError });
  };

  // Initial sync: a failure here is not fatal for the daemon (it keeps retrying), it is for --once.
  try {
    await pull(false);
    await engine.scanAll();
  } catch (error) {
    if (options.once) {
      await session.close();
      throw error; // said once, by the command
    }
    if (!options.signal.aborted) log(`initial sync failed: ${errorMessage(error)}`);
  }
  queue.kick();

  /** Sends what is queued for at most the drain timeout (or until forced), then stops every request. */
  const drainAndClose = async (timeoutMs = options.drainTimeoutMs) => {
    const drained = await Promise.race([queue.drain(timeoutMs), forced.then(() => false)]);
    await session.close();
    options.signal.removeEventListener("abort", stopOnSignal);
    return drained;
  };

  if (options.once) {
    const drained = await drainAndClose();
    await save();
    return summary(paths, queue, drained);
  }

  log(`mounted ${options.workspace} at ${mountDir} from ${options.server}, watching; ${paths.size} files`, {
    event: "start",
  });
  let stopping = false;
  const handling = new Set<Promise<void>>();
  const followUps = new Set<ReturnType<typeof setTimeout>>();
  const track = (work: Promise<void>) => {
    handling.add(work);
    work.finally(() => handling.delete(work));
  };
  let rulesRead: Promise<boolean> = Promise.resolve(false);
  /**
   * `.relayignore` read again: a pattern added while the mount runs holds for the next file written (it was read at
   * start only, and a secret written a second after its pattern was sent). Resolves whether the rules changed.
   */
  const reloadRules = () =>
    rulesRead = rulesRead.catch(() => false).then(async () => {
      const changed = await reloadIgnoreRules(mountDir, rules, options.excludes);
      if (changed) log(`ignore rules changed: ${IGNORE_FILE} read again`, { event: "rules" });
      return changed;
    });
  const handleHints = (hints: Set<string>, followUp: boolean) =>
    track(
      (async () => {
        // Hints that came after the ignore file changed wait for its new rules; a scan finds what they let in.
        if (hints.has(IGNORE_FILE) && await reloadRules()) {
          track(engine.scanAll().catch((error) => log(`scan failed: ${errorMessage(error)}`)));
        } else await rulesRead.catch(() => {});
        const folders = await engine.handleHints(hints);
        if (!followUp || stopping || folders.length === 0) return;
        for (const delay of FOLDER_FOLLOW_UPS_MS) {
          const timer = setTimeout(() => {
            followUps.delete(timer);
            if (!stopping) handleHints(new Set(folders), false);
          }, delay);
          followUps.add(timer);
        }
      })().catch((error) => log(`local change failed: ${errorMessage(error)}`)),
    );
  const watcher = new LocalWatcher(mountDir, (hints) => handleHints(hints, true), {
    rules,
    onError: watcherTrouble(log, options.scanIntervalMs ?? options.intervalMs),
  });
  const feed = new RemoteFeed(client, {
    websocket: options.websocket,
    intervalMs: options.intervalMs,
    pull: () => pull(false),
    fetchAnnounced: (changes) => engine.applyAnnounced(changes),
    log,
    onStatus: (listener) => status = { ...status, listener },
  });
  // Writes go again at the breaker's first answer after an outage: pull then too, so the mirror is online again with
  // them (a failed pull's own retry backs off up to 30 s, and `status` says "cannot pull" meanwhile).
  queue.whenServerIsBack(() => feed.trigger());
  engine.whenBehind(() => feed.trigger());
  watcher.start();
  feed.start();
  // What was written after the initial scan looked and before the watcher started has produced no event: one more
  // scan (stat only, for files already tracked) closes that window.
  track(engine.scanAll().catch((error) => log(`scan failed: ${errorMessage(error)}`)));

  // A heartbeat on the folder's lock, so that `writeback retry` and `push` hand their work to this mount.
  let folderLost: RelayfileError | undefined;
  let stopForLostFolder = () => {};
  const heartbeat = session.startHeartbeat(checkCredentials, (error) => {
    if (folderLost) return;
    folderLost = error;
    log(
      error instanceof MountBusyError
        ? `stopping: ${error.message}; this folder's .relay/ was removed and that mount has its lock now`
        : `stopping: ${error.message}; the deletes that look like are not sent`,
    );
    stopForLostFolder();
  });
  let scans = 0;
  const scan = every(options.scanIntervalMs ?? options.intervalMs, "scan", async () => {
    if (++scans % FULL_RECONCILE_EVERY === 0) {
      track(pull(true).catch((error) => log(`full reconcile failed: ${errorMessage(error)}`)));
      await session.pruneBlobs().catch((error) =>
        log(`removing unneeded payload copies failed: ${errorMessage(error)}`)
      );
    }
    await reloadRules();
    await engine.scanAll();
  }, log);
  const stats = every(STATS_EVERY_MS, "stats", () => {
    log(describeSummary(summary(paths, queue, true)), { level: "detail", event: "stats" });
    return Promise.resolve();
  }, log);
  let lastSaved = "";
  const saver = every(SAVE_EVERY_MS, "saving state", async () => {
    const signature = JSON.stringify([
      queue.counts(),
      queue.awaitingCredentials,
      status.listener,
      status.lastError,
      paths.conflicts.size,
    ]);
    if (!paths.takeChanged() && signature === lastSaved) return;
    lastSaved = ""; // a save that fails is tried again at the next tick
    await save();
    lastSaved = signature;
  }, log);

  await new Promise<void>((resolve) => {
    stopForLostFolder = resolve;
    if (options.signal.aborted || folderLost) resolve();
    else options.signal.addEventListener("abort", () => resolve(), { once: true });
  });

  stopping = true;
  await heartbeat.stop();
  await stats.stop();
  await scan.stop();
  await saver.stop();
  await watcher.close();
  while (handling.size > 0) await Promise.all(handling);
  followUps.forEach(clearTimeout);
  await feed.close();
  // With the folder lost, nothing more is sent (another mount has it, or it is gone) and nothing saved into it.
  const drained = await drainAndClose(folderLost ? 0 : options.drainTimeoutMs);
  await engine.serialize(() => Promise.resolve());
  if (folderLost) throw folderLost;
  await save();
  return summary(paths, queue, drained);
}

/**
 * Says, once per kind, that the folder's watcher could not start or missed part of the folder: changes there are then
 * found by the full scan only. Running out of the system's inotify watches is the usual cause (a watch per folder,
 * ignored ones too: a node_modules can hold tens of thousands); it used to stop the mount.
 */
function watcherTrouble(log: Log, scanEveryMs: number): (error: unknown) => void {
  const said = new Set<string>();
  return (error) => {
    const message = errorMessage(error);
    const limit = /watch limit/i.test(message);
    const cause = limit ? "the system's limit of watched folders" : message;
    if (said.has(cause)) return;
    said.add(cause);
    const advice = limit ? "; raise the limit (sudo sysctl fs.inotify.max_user_watches=524288) and mount again" : "";
    log(
      `the file watcher does not cover the whole folder (${cause}): changes there are found by the full scan every ` +
        `${formatDuration(scanEveryMs)}${advice}`,
      { event: "watcher" },
    );
  };
}
