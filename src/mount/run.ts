/**
 * `relayfile mount` as a library call: initial sync, then local watch hints, remote events and periodic full scans
 * until `signal` aborts; then the outbox drains for a bounded time and the state is saved.
 */
import { decodeTokenClaims } from "../config/token_claims.ts";
import { RelayfileClient } from "../remote/client.ts";
import { HttpError, NetworkError } from "../remote/errors.ts";
import { normalizeRemotePath } from "../protocol/paths.ts";
import { scopeAllows, scopesOf } from "../protocol/scopes.ts";
import type { RetryPolicy } from "../writeback/policy.ts";
import { WritebackQueue } from "../writeback/queue.ts";
import { readPublicState, writePublicState } from "../relay/state_file.ts";
import { removeDaemonMarker, writeDaemonMarker } from "../relay/daemon_marker.ts";
import { SyncEngine } from "./engine.ts";
import { RemoteFeed } from "./feed.ts";
import { loadMountState, saveMountState } from "../relay/mount_state.ts";
import { buildPublicState } from "./public_state.ts";
import type { TokenSource } from "./token_source.ts";
import { LocalWatcher } from "./watch.ts";

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
  log: (line: string) => void;
  progress?: (done: number, total: number) => void;
  policy?: RetryPolicy;
  /** Full local scan period (default: the interval). */
  scanIntervalMs?: number;
}

export interface MountSummary {
  files: number;
  pending: number;
  deadLettered: number;
  conflicts: number;
  /** Everything due was sent before the drain timeout. */
  drained: boolean;
}

const SAVE_EVERY_MS = 250;
const HEARTBEAT_EVERY_MS = 1_000;
const FULL_RECONCILE_EVERY = 10;

export async function runMount(options: MountOptions): Promise<MountSummary> {
  const remoteRoot = normalizeRemotePath(options.remoteRoot);
  await Deno.mkdir(options.mountDir, { recursive: true });
  const client = new RelayfileClient({
    baseUrl: options.server,
    workspace: options.workspace,
    token: () => options.tokens.current(),
  });
  const loaded = await loadMountState(options.mountDir, options.workspace, remoteRoot);
  if (loaded.reset) options.log(`starting from a full pull: ${loaded.reset}`);
  const engine = new SyncEngine({
    mountDir: options.mountDir,
    remoteRoot,
    client,
    state: loaded.state,
    writable: writableBy(options.tokens),
    log: options.log,
  });
  const queue = new WritebackQueue(options.mountDir, client, {
    baseRevision: (path) => engine.baseRevision(path),
    onCommitted: (committed) => engine.onCommitted(committed),
    onConflict: (op) => engine.onConflict(op),
    reloadToken: () => options.tokens.reload(),
    log: options.log,
  }, options.policy ? { policy: options.policy } : {});
  engine.queue = queue;
  await queue.load();
  await engine.loadConflicts();
  const previous = await readPublicState(options.mountDir);
  queue.failedAttempts = "state" in previous ? previous.state?.failedWritebacks ?? 0 : 0;

  let listener: "listening" | "reconnecting" | "polling" = options.websocket && !options.once
    ? "reconnecting"
    : "polling";
  let lastReconcileAt: string | null = null;
  let lastSuccessfulReconcileAt: string | null = null;
  let lastError: { kind: string; statusCode?: number; message: string; at: string } | null = null;
  let needsFullPull = Object.keys(loaded.state.files).length === 0;

  const pull = (full: boolean) =>
    engine.serialize(async () => {
      lastReconcileAt = new Date().toISOString();
      try {
        if (full || needsFullPull || !(await engine.incrementalPull())) {
          await engine.fullPull(full || needsFullPull ? options.progress : undefined);
          needsFullPull = false;
        }
        lastSuccessfulReconcileAt = lastReconcileAt;
        lastError = null;
      } catch (error) {
        lastError = errorState(error);
        throw error;
      }
    });

  const save = async () => {
    const counts = queue.counts();
    await saveMountState(options.mountDir, engine.state);
    const pendingPaths = new Set([...queue.queuedPaths()].filter((path) => path in engine.state.files));
    await writePublicState(
      options.mountDir,
      buildPublicState({
        workspaceId: options.workspace,
        remoteRoot,
        localRoot: options.mountDir,
        mode: options.websocket ? "websocket" : "poll",
        listener,
        intervalMs: options.intervalMs,
        now: Date.now(),
        lastReconcileAt,
        lastSuccessfulReconcileAt,
        lastEventAt: engine.state.lastEventAt,
        lastError,
        files: engine.state.files,
        pendingPaths,
        conflictPaths: engine.conflictPaths,
        readonlyPaths: engine.readonlyPaths,
        queue: counts,
        rejectedPaths: engine.rejectedRemotePaths,
      }),
    );
  };

  // Initial sync: a failure here is not fatal for the daemon (it keeps retrying), it is for --once.
  try {
    await pull(false);
    await engine.scanAll();
  } catch (error) {
    options.log(`initial sync failed: ${error instanceof Error ? error.message : error}`);
    if (options.once) throw error;
  }
  queue.kick();

  if (options.once) {
    const drained = await queue.drain(options.drainTimeoutMs);
    await queue.close();
    await save();
    return summary(engine, queue, drained);
  }

  // A folder that appears is rescanned again shortly after: files written into it before the watcher covered it
  // produce no events (Deno.watchFs on Linux under bursts).
  const followUps = new Set<ReturnType<typeof setTimeout>>();
  const handling = new Set<Promise<void>>();
  let stopping = false;
  const handleHints = (hints: Iterable<string>, followUp: boolean) => {
    const work = engine.handleHints(hints).then((folders) => {
      if (!followUp || stopping || folders.length === 0) return;
      for (const delay of [100, 1_000]) {
        const timer = setTimeout(() => {
          followUps.delete(timer);
          if (!stopping) handleHints(folders, false);
        }, delay);
        followUps.add(timer);
      }
    }).catch((error) => options.log(`local change failed: ${error}`));
    handling.add(work);
    work.finally(() => handling.delete(work));
  };
  const watcher = new LocalWatcher(options.mountDir, (hints) => handleHints(hints, true));
  const feed = new RemoteFeed(client, {
    websocket: options.websocket,
    intervalMs: options.intervalMs,
    pull: () => pull(false),
    fetchAnnounced: (changes) => engine.serialize(() => engine.applyAnnounced(changes)),
    log: options.log,
    onStatus: (status) => listener = status,
  });
  watcher.start();
  feed.start();
  // A heartbeat, so that `writeback retry` hands ops to this mount; and the ops it hands over are taken in.
  const startedAt = new Date().toISOString();
  const beat = () =>
    writeDaemonMarker(options.mountDir, { pid: Deno.pid, startedAt, heartbeatAt: new Date().toISOString() })
      .then(() => queue.adoptFromDisk())
      .catch((error) => options.log(`heartbeat failed: ${error}`));
  let beating = beat();
  const heartbeatTimer = setInterval(() => beating = beating.then(beat), HEARTBEAT_EVERY_MS);
  let ticks = 0;
  const scanTimer = setInterval(() => {
    ticks++;
    if (stopping) return;
    const scan = engine.scanAll().catch((error) => options.log(`scan failed: ${error}`));
    handling.add(scan);
    scan.finally(() => handling.delete(scan));
    if (ticks % FULL_RECONCILE_EVERY === 0) pull(true).catch((error) => options.log(`full reconcile failed: ${error}`));
  }, options.scanIntervalMs ?? options.intervalMs);
  let saving = Promise.resolve();
  let lastSaved = "";
  const saveTimer = setInterval(() => {
    const signature = JSON.stringify([queue.counts(), listener, lastError, engine.conflictPaths.size]);
    if (!engine.takeChanged() && signature === lastSaved) return;
    lastSaved = signature;
    saving = saving.then(save).catch((error) => options.log(`saving state failed: ${error}`));
  }, SAVE_EVERY_MS);

  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    else options.signal.addEventListener("abort", () => resolve(), { once: true });
  });

  stopping = true;
  clearInterval(heartbeatTimer);
  await beating;
  await removeDaemonMarker(options.mountDir);
  clearInterval(scanTimer);
  clearInterval(saveTimer);
  await watcher.close();
  while (handling.size > 0) await Promise.all(handling);
  followUps.forEach(clearTimeout);
  await feed.close();
  const drained = await queue.drain(options.drainTimeoutMs);
  await queue.close();
  await engine.serialize(() => Promise.resolve());
  await saving;
  await save();
  return summary(engine, queue, drained);
}

function summary(engine: SyncEngine, queue: WritebackQueue, drained: boolean): MountSummary {
  const counts = queue.counts();
  return {
    files: Object.keys(engine.state.files).length,
    pending: counts.pending + counts.inFlight + counts.retryWait,
    deadLettered: counts.deadLettered,
    conflicts: engine.conflictPaths.size,
    drained,
  };
}

/** Write access per path from the token's scopes; a token without a `scopes` claim is taken as writable. */
function writableBy(tokens: TokenSource): (path: string) => boolean {
  let cachedToken = "";
  let scopes: string[] | undefined;
  return (path) => {
    const token = tokens.current();
    if (token !== cachedToken) {
      cachedToken = token;
      const claim = decodeTokenClaims(token)?.scopes;
      scopes = typeof claim === "string" || Array.isArray(claim) ? scopesOf(claim) : undefined;
    }
    return scopes === undefined || scopeAllows(scopes, "fs:write", path);
  };
}

function errorState(error: unknown): { kind: string; statusCode?: number; message: string; at: string } {
  const at = new Date().toISOString();
  if (error instanceof NetworkError) return { kind: "offline", message: error.message, at };
  if (error instanceof HttpError) {
    const kind = error.status === 429 || error.status >= 500 ? "offline" : "http";
    return { kind, statusCode: error.status, message: error.message, at };
  }
  return { kind: "error", message: error instanceof Error ? error.message : String(error), at };
}
