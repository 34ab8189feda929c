/**
 * `writeback push` without a running mount: hold the folder's lock, look at the named files the way the mount's
 * watcher would (so an unchanged file sends nothing and a change goes through the outbox first), send, and stay
 * until each of them is settled — delivered, refused or in conflict — or the deadline passes. What is not settled
 * by then stays in the outbox for the next mount. With no files named, it only follows the receipts of writes the
 * server already accepted (`writeback status --wait`): nothing new is sent.
 */
import { normalizeRemotePath, remotePathFor } from "../protocol/paths.ts";
import { acquireMountLock } from "../relay/mount_lock.ts";
import { openSession, type SessionOptions } from "./session.ts";
import { initialStatus } from "./status.ts";

export interface PushOptions extends SessionOptions {
  /** Files to look at now, relative to the mount (`/`-separated). None: only follow receipts. */
  relativePaths: readonly string[];
  /** Until when (ms since the epoch) to wait for the files to settle. */
  deadline: number;
  /** Also wait for the provider's receipt, not only for the server to accept. */
  awaitReceipts: boolean;
  /** Stops the wait early (Ctrl-C): what is unsent stays in the outbox. */
  signal?: AbortSignal;
  /** The wait's clock (tests pass a fake). */
  now?: () => number;
}

const POLL_MS = 100;
/** A command waiting on one write asks for its receipt at least this often. */
const RECEIPT_POLL_CAP_MS = 5_000;

/** Runs one push; throws `MountBusyError` when a mount holds the folder (hand the work to it instead). */
export async function runPush(options: PushOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const remoteRoot = normalizeRemotePath(options.remoteRoot);
  const startedAt = new Date(now()).toISOString();
  const lock = await acquireMountLock(options.mountDir, { pid: Deno.pid, startedAt, heartbeatAt: startedAt });
  const stopReads = new AbortController();
  try {
    const session = await openSession(
      { receiptPollCapMs: RECEIPT_POLL_CAP_MS, ...options, remoteRoot },
      lock,
      startedAt,
      stopReads.signal,
    );
    const { queue, engine } = session;
    const heartbeat = session.startHeartbeat();
    const watched = options.relativePaths.map((relative) => remotePathFor(remoteRoot, relative));
    if (watched.length > 0) {
      await engine.handleHints(options.relativePaths);
      queue.kick();
    }
    const awaiting = () => new Set(queue.awaitingProvider().map((op) => op.path));
    const busy = () => {
      const waiting = options.awaitReceipts ? awaiting() : new Set<string>();
      if (watched.length === 0) return waiting.size > 0;
      return watched.some((path) => queue.opFor(path) !== undefined || waiting.has(path));
    };
    while (busy() && now() < options.deadline && !options.signal?.aborted) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    await heartbeat.stop();
    stopReads.abort();
    await session.close();
    await engine.serialize(() => Promise.resolve());
    await session.save(
      { workspaceId: options.workspace, remoteRoot, mode: "poll", intervalMs: 0 },
      initialStatus("polling"),
    );
  } finally {
    await lock.release();
  }
}
