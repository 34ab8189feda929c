/**
 * The sync engine: one lock, under which every change of the mount's state runs (pulls, detection, taking in what
 * the writeback queue delivered), and the entry points the run loop calls. The work itself is in `pull.ts`,
 * `apply.ts` and `detect.ts`; the facts of each path are in the `PathTable`.
 */
import { errorMessage } from "../lib/errors.ts";
import { contentTypeFor } from "../protocol/content.ts";
import { relativeToRoot } from "../protocol/paths.ts";
import { listConflicts } from "../relay/conflicts.ts";
import type { Delivery, WritebackQueue } from "../writeback/queue.ts";
import { resolveConflict, retryDeferred } from "./apply.ts";
import type { SyncContext } from "./context.ts";
import { detect, type Detected, everyLocalPath, expandHints } from "./detect.ts";
import { statLocal } from "./local_fs.ts";
import type { AnnouncedChange } from "./feed.ts";
import { applyAnnounced, fullPull, incrementalPull } from "./pull.ts";

/** Paths detected per turn of the lock, so uploads settle between chunks of a burst. */
const DETECT_CHUNK = 256;

export class SyncEngine {
  readonly context: SyncContext;
  #lock: Promise<unknown> = Promise.resolve();
  #whenBehind: () => void = () => {};

  constructor(context: SyncContext) {
    this.context = context;
  }

  /** `listener` is called when a path's server version could not be taken in: a pull soon reads it again. */
  whenBehind(listener: () => void): void {
    this.#whenBehind = listener;
  }

  /** The paths with a conflict copy in `.relay/conflicts/` are the conflicted ones (an earlier run's too). */
  async loadConflicts(): Promise<void> {
    const copies = await listConflicts(this.context.mountDir);
    this.context.paths.setConflicts(copies.map((copy) => copy.remotePath));
  }

  /**
   * Runs `work` after everything queued before it; one state change at a time. The bases the work met are written at
   * its end (one transaction), after the files it wrote.
   */
  serialize<T>(work: () => Promise<T>): Promise<T> {
    const step = () => work().finally(() => this.context.bases.flush());
    const run = this.#lock.then(step, step);
    this.#lock = run.catch(() => {});
    return run;
  }

  /**
   * A pull: incremental over the events cursor, or full when asked or when there is no cursor yet. A full one follows
   * the events first, so that files deleted on purpose meanwhile go as the deletes the events say they are, before
   * the listing is compared (see `fullPull` on a server that lists none of the tracked files).
   */
  pull(options: { full: boolean; progress?: (done: number, total: number) => void }): Promise<void> {
    return this.serialize(async () => {
      const followed = await incrementalPull(this.context).catch((error) => {
        if (!options.full) throw error;
        return false; // the full pull says what fails
      });
      if (options.full || !followed) await fullPull(this.context, options.progress);
    });
  }

  /** Fetches what WebSocket messages announced, ahead of the cursor pull. */
  applyAnnounced(changes: AnnouncedChange[]): Promise<void> {
    return this.serialize(() => applyAnnounced(this.context, changes));
  }

  /**
   * Watch hints: folders are rescanned, a removed folder expands to what was tracked under it. Returns the folders
   * it rescanned: files written into a new folder right after it appeared produce no events, so the caller rescans
   * them again a little later. Takes the lock per chunk, so uploads settle meanwhile.
   */
  async handleHints(hints: Iterable<string>): Promise<string[]> {
    const found = await this.#detectInChunks([...hints], false);
    const expanded = await expandHints(this.context, found);
    if (expanded.length > 0) await this.#detectInChunks(expanded, false);
    return found.folders;
  }

  /** A full scan of the folder: catches whatever the watcher missed. */
  async scanAll(): Promise<void> {
    await this.#detectInChunks(await everyLocalPath(this.context), true);
  }

  /**
   * Takes in what `queue` delivers, until it is closed: each round goes into the path table (under the lock), then
   * leaves the queue. Resolves when the queue has handed out everything.
   */
  async follow(queue: WritebackQueue): Promise<void> {
    for (let deliveries; (deliveries = await queue.nextDeliveries()) !== undefined;) {
      await this.takeDeliveries(deliveries).catch((error) =>
        this.context.log(`taking in sent changes failed: ${errorMessage(error)}`)
      );
      await queue.settle(deliveries);
    }
  }

  /**
   * Takes in what the queue delivered: committed revisions become the tracked state; conflicts keep both sides. One
   * that fails (a read after a conflict the server failed) does not stop the others: its path is read again by the
   * next pull, for its events are behind the cursor already.
   */
  takeDeliveries(deliveries: readonly Delivery[]): Promise<void> {
    return this.serialize(async () => {
      const failed: string[] = [];
      let reason = "";
      for (const delivery of deliveries) {
        try {
          if (delivery.kind === "conflict") await resolveConflict(this.context, delivery.op);
          else await this.#committed(delivery.op, delivery.revision);
        } catch (error) {
          this.context.paths.markBehind(delivery.op.path);
          failed.push(delivery.op.path);
          reason ||= errorMessage(error);
        }
      }
      if (failed.length === 0) return;
      this.context.log(
        `taking in what the server made of ${failed.length === 1 ? failed[0] : `${failed.length} changes`} failed ` +
          `(${reason}): the next pull reads ${failed.length === 1 ? "it" : "them"} again`,
      );
      this.#whenBehind();
    });
  }

  async #committed(op: Delivery["op"], revision: string | null): Promise<void> {
    const { paths, mountDir, remoteRoot } = this.context;
    const relative = relativeToRoot(remoteRoot, op.path);
    if (op.kind === "delete" || revision === null) {
      paths.forget(op.path);
      this.context.log(`delete ${op.path} (on the server)`, { level: "detail", event: "delete", path: op.path });
    } else if (relative !== undefined) {
      // Size and mtime only when the file still is what was sent, so a newer edit is not taken as synced.
      const seen = paths.observed(op.path);
      const now = await statLocal(mountDir, relative);
      const unchanged = seen !== undefined && seen.hash === op.contentHash && now.kind === "file" &&
        now.size === seen.size && now.mtimeMs === seen.mtimeMs;
      const contentType = op.contentType ?? contentTypeFor(relative);
      paths.track(op.path, revision, op.contentHash ?? "", contentType, unchanged ? seen : undefined);
      this.context.log(`up ${op.path} ${revision}`, { level: "detail", event: "up", path: op.path, revision });
    }
    paths.forgetObserved(op.path, op.contentHash);
    await retryDeferred(this.context, op.path, op.kind === "delete" ? null : revision);
  }

  async #detectInChunks(paths: string[], trustStat: boolean): Promise<Detected> {
    const detected: Detected = { folders: [], missing: [] };
    for (let start = 0; start < paths.length; start += DETECT_CHUNK) {
      const chunk = await this.serialize(() =>
        detect(this.context, paths.slice(start, start + DETECT_CHUNK), { trustStat })
      );
      detected.folders.push(...chunk.folders);
      detected.missing.push(...chunk.missing);
    }
    return detected;
  }
}
