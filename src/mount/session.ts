/**
 * The parts of a mount that hold the folder's lock: the path table, the writeback queue, the engine that takes in
 * what the queue delivers, and the heartbeat that tells other processes a mount is here (and takes in what they hand
 * it). `relayfile mount` runs a session for as long as it runs; `writeback push` runs one for a single push.
 */
import { errorMessage, MountBusyError, MountFolderGoneError, type RelayfileError } from "../lib/errors.ts";
import type { Log } from "../lib/log.ts";
import { RelayfileClient } from "../remote/client.ts";
import { REAL_CLOCK, ServerGate } from "../remote/server_gate.ts";
import { loadMountState } from "../relay/mount_state.ts";
import type { MountLock } from "../relay/mount_lock.ts";
import { securePrivateTree } from "../relay/private.ts";
import { relayPaths } from "../relay/relay_dir.ts";
import { takeScanRequests } from "../relay/scan_requests.ts";
import { readPublicState } from "../relay/state_file.ts";
import type { RetryPolicy } from "../writeback/policy.ts";
import { WritebackQueue } from "../writeback/queue.ts";
import { type ConflictCopies, onceReporter } from "./context.ts";
import { BaseStore } from "../relay/bases.ts";
import { keepDeadLetterIndexFresh } from "../relay/dead_letter_index.ts";
import { pruneMergeNotes } from "../relay/merge_notes.ts";
import { pruneBlobs } from "../relay/blob_gc.ts";
import { SyncEngine } from "./engine.ts";
import { every, type Periodic } from "./every.ts";
import { folderIdentity } from "./folder_identity.ts";
import type { IgnoreRules } from "./ignore.ts";
import { loadIgnoreRules } from "./ignore_file.ts";
import { type MountIdentity, saveState } from "./save_state.ts";
import type { MountStatus } from "./status.ts";
import { type TokenSource, writableBy } from "./token_source.ts";
import { PathTable } from "./tracked.ts";

export interface SessionOptions {
  mountDir: string;
  server: string;
  workspace: string;
  /** Normalised. */
  remoteRoot: string;
  tokens: TokenSource;
  log: Log;
  policy?: RetryPolicy;
  /** Longest wait for one request (default 30 s). */
  requestTimeoutMs?: number;
  /** `--exclude` patterns (gitignore syntax), beside the folder's `.relayignore` and the built-in defaults. */
  excludes?: readonly string[];
  /** The longest pause between two asks for a provider's receipt (default 60 s). */
  receiptPollCapMs?: number;
  /** Where the local bytes of a conflict are kept (default: beside the file, and in `.relay/conflicts/`). */
  conflictCopies?: ConflictCopies;
}

export interface MountSession {
  readonly client: RelayfileClient;
  readonly paths: PathTable;
  readonly queue: WritebackQueue;
  readonly engine: SyncEngine;
  readonly rules: IgnoreRules;
  /**
   * Beats the lock every second, takes in ops and scan requests other processes left (`writeback retry`, `writeback
   * push`), then runs `extra`. `onFolderLost`: the mount cannot go on with this folder — it was removed or replaced,
   * or another mount took it (its `.relay/` was removed under this one).
   */
  startHeartbeat(extra?: () => Promise<void>, onFolderLost?: (error: RelayfileError) => void): Periodic;
  /** Writes `mount-state.json` and `state.json`. */
  save(mount: MountIdentity, status: MountStatus): Promise<void>;
  /** Removes the blobs no op and no dead letter needs any more (also done when the session opens). */
  pruneBlobs(): Promise<void>;
  /** Stops sending and waits until what was delivered is taken in; reads stop with `readSignal`. */
  close(): Promise<void>;
}

const HEARTBEAT_EVERY_MS = 1_000;
/** A blob younger than this is kept, named or not: it may be written just before the record that names it. */
const BLOB_GRACE_MS = 10 * 60_000;

/** Opens the parts of a mount whose lock is held; reads stop with `readSignal`, writes when the session closes. */
export async function openSession(
  options: SessionOptions,
  lock: MountLock,
  startedAt: string,
  readSignal: AbortSignal,
): Promise<MountSession> {
  const { mountDir, log } = options;
  const stopWrites = new AbortController();
  // Reads and writes wait together when the server asks them to (429): one gate for both clients.
  const gate = new ServerGate(
    REAL_CLOCK,
    (ms) =>
      log(`the server asks to wait ${Math.ceil(ms / 1000)}s (rate limited): reads and writes hold until then`, {
        event: "rate-limited",
      }),
  );
  const clientFor = (signal: AbortSignal) =>
    new RelayfileClient({
      baseUrl: options.server,
      workspace: options.workspace,
      token: () => options.tokens.current(),
      signal,
      gate,
      ...(options.requestTimeoutMs ? { timeoutMs: options.requestTimeoutMs } : {}),
    });
  const client = clientFor(readSignal);
  const fixed = securePrivateTree(relayPaths(mountDir).root);
  if (fixed > 0) log(`made ${fixed} files and folders under .relay/ private to you (0600/0700): they hold copies`);
  const loaded = await loadMountState(mountDir, options.workspace, options.remoteRoot);
  if (loaded.reset) log(`starting from a full pull: ${loaded.reset}`);
  const paths = new PathTable(loaded.state);
  const previous = await readPublicState(mountDir);
  const folderPresent = folderIdentity(mountDir);
  const queue = new WritebackQueue(mountDir, clientFor(stopWrites.signal), {
    baseRevisionOf: (path) => paths.baseRevision(path),
    folderPresent,
    reloadToken: () => options.tokens.reload(),
    tokenRenewal: options.tokens.renewal,
    log,
    failedAttempts: "state" in previous ? previous.state?.failedWritebacks ?? 0 : 0,
    ...(options.policy ? { policy: options.policy } : {}),
    ...(options.receiptPollCapMs ? { receiptPollCapMs: options.receiptPollCapMs } : {}),
  });
  const rules = await loadIgnoreRules(mountDir, options.excludes);
  const bases = new BaseStore(mountDir, {
    onUnavailable: (reason) =>
      log(
        `cannot keep merge bases in .relay/bases.sqlite (${reason}): ` +
          "a file changed on both sides becomes a conflict copy instead of a merge",
      ),
  });
  const engine = new SyncEngine({
    mountDir,
    remoteRoot: options.remoteRoot,
    client,
    paths,
    queue,
    rules,
    writable: writableBy(options.tokens),
    folderPresent,
    bases,
    conflictCopies: options.conflictCopies ?? "beside",
    serverMerge: { available: true },
    log,
    reportOnce: onceReporter(log),
  });
  await queue.load();
  await engine.loadConflicts();
  const inUse = basesInUse(paths, queue);
  await bases.prune(inUse);
  await pruneMergeNotes(mountDir, inUse);
  const pruneUnusedBlobs = async (keep = basesInUse(paths, queue)) => {
    const removed = await pruneBlobs(mountDir, {
      keep,
      now: Date.now(),
      graceMs: BLOB_GRACE_MS,
    });
    if (removed > 0) log(`removed ${removed} payload copies no op or dead letter needs any more`, { level: "detail" });
  };
  await pruneUnusedBlobs(inUse).catch((error) =>
    log(`removing unneeded payload copies failed: ${errorMessage(error)}`)
  );
  const delivering = engine.follow(queue);
  let deadLettersIndexed: string | undefined;

  return {
    client,
    paths,
    queue,
    engine,
    rules,
    startHeartbeat: (extra, onFolderLost) => {
      const heartbeat = every(HEARTBEAT_EVERY_MS, "heartbeat", async () => {
        if (!folderPresent() && onFolderLost) {
          return onFolderLost(
            new MountFolderGoneError(`the mount folder ${mountDir} was removed or replaced`, {
              hint: "nothing was deleted on the server for it: mount the folder again to get its files back",
            }),
          );
        }
        try {
          await lock.beat({ pid: Deno.pid, startedAt, heartbeatAt: new Date().toISOString() });
        } catch (error) {
          if (!(error instanceof MountBusyError) || !onFolderLost) throw error;
          return onFolderLost(error);
        }
        await queue.adoptFromDisk();
        await engine.loadConflicts(); // `writeback resolve` clears conflicts by removing their copies
        const requested = await takeScanRequests(mountDir);
        if (requested.length > 0) await engine.handleHints(requested);
        deadLettersIndexed = await keepDeadLetterIndexFresh(mountDir, deadLettersIndexed);
        await extra?.();
      }, log);
      heartbeat.now();
      return heartbeat;
    },
    save: (mount, status) => saveState(mountDir, mount, paths, queue, status),
    pruneBlobs: pruneUnusedBlobs,
    close: async () => {
      const closing = queue.close();
      stopWrites.abort();
      await closing;
      await delivering;
      bases.close();
    },
  };
}

/**
 * The hashes whose bases a merge may still need: what is tracked, and what is on its way to the server (their blobs,
 * where there are any, are kept too).
 */
function basesInUse(paths: PathTable, queue: WritebackQueue): Set<string> {
  const hashes = new Set(Object.values(paths.files()).map((tracked) => tracked.hash));
  for (const path of queue.queuedPaths()) {
    const hash = queue.opFor(path)?.contentHash;
    if (hash) hashes.add(hash);
  }
  for (const op of queue.awaitingProvider()) if (op.contentHash) hashes.add(op.contentHash);
  return hashes;
}
