/**
 * Remote changes into the folder: a full pull (export, or tree + reads), an incremental pull over the events cursor
 * (its fold of events per path pure), and the changes a WebSocket message announced.
 */
import { chunksBy } from "../lib/chunks.ts";
import { isUnderRoot, normalizeRemotePath, relativeToRoot } from "../protocol/paths.ts";
import { HttpError } from "../remote/errors.ts";
import type { RemoteEvent } from "../protocol/wire.ts";
import { applyRemoteDelete, applyRemoteFiles } from "./apply.ts";
import type { SyncClient, SyncContext } from "./context.ts";
import { detect } from "./detect.ts";
import type { AnnouncedChange } from "./feed.ts";
import type { PathTable, RemoteChange } from "./tracked.ts";

/** A workspace up to this size comes in one export; a larger one in reads of about `READ_CHUNK_BYTES` each. */
const EXPORT_MAX_BYTES = 32 * 1024 * 1024;
const READ_CHUNK_BYTES = 8 * 1024 * 1024;
/** A file over this size is read on its own and held once (`readFile`), never in an export or a batch. */
const LARGE_FILE_BYTES = 4 * 1024 * 1024;

/**
 * Everything under the remote root, then forget what is gone. Sets the events cursor from before the listing. The
 * listing (`fs/tree`) says how large the workspace is: a small one comes in one export, a large one in chunks that
 * are written to the folder one after another, so memory stays bounded whatever the workspace's size.
 */
export async function fullPull(context: SyncContext, progress?: (done: number, total: number) => void): Promise<void> {
  const { client, remoteRoot, paths } = context;
  const cursor = await client.latestEventId().catch(() => undefined);
  // A server without fs/tree (404) gets the export, whatever its size.
  const listing = await client.listFiles(remoteRoot).catch((error) => {
    if (error instanceof HttpError && error.status === 404) return undefined;
    throw error;
  });
  const total = listing?.reduce((sum, file) => sum + (file.size ?? 0), 0) ?? 0;
  const present = new Set<string>();
  let done = 0;
  const report = progress && (() => progress(++done, listing?.length ?? 0));
  const isLarge = (file: { size?: number }) => (file.size ?? 0) > LARGE_FILE_BYTES;
  const exported = total <= EXPORT_MAX_BYTES && !listing?.some(isLarge)
    ? await client.exportFiles(remoteRoot)
    : undefined;
  if (exported) {
    for (const file of exported) present.add(normalizeRemotePath(file.path));
    await applyRemoteFiles(context, exported, progress);
  } else {
    const small = (listing ?? []).filter((file) => !isLarge(file));
    for (const chunk of chunksBy(small, (file) => file.size ?? 0, READ_CHUNK_BYTES)) {
      const files = await client.readFiles(chunk.map((file) => file.path));
      for (const file of files) present.add(normalizeRemotePath(file.path));
      await applyRemoteFiles(context, files, report);
    }
    for (const { path, size } of (listing ?? []).filter(isLarge)) {
      const file = await client.readFile(path, size ?? 0);
      if (!file) continue;
      present.add(normalizeRemotePath(file.path));
      await applyRemoteFiles(context, [file], report);
    }
  }
  const gone = [...paths.paths()].filter((path) => !present.has(path));
  if (gone.length > 0 && gone.length === paths.size) await keepWhatTheServerLost(context, gone);
  else for (const path of gone) await applyRemoteDelete(context, path);
  // No event yet: the feed is read from its start ("" asks for no cursor), not by another full pull.
  paths.cursor = cursor ?? "";
  paths.touch();
}

/**
 * A listing with none of the files the folder synced is a server that lost them (its database reset or restored from
 * before them), far more often than every file deleted on purpose, whose deletes the events feed brings first. Taken
 * as deletes, they would empty the folder: the only copy left. They are kept and sent again, and the log says so.
 */
async function keepWhatTheServerLost(context: SyncContext, gone: string[]): Promise<void> {
  context.log(
    `the server lists none of the ${gone.length} files this folder synced (was it reset?): keeping them here and ` +
      "sending them again; if they were deleted on purpose, delete them here too",
    { event: "server-lost-files" },
  );
  const relatives: string[] = [];
  for (const path of gone) {
    context.paths.forget(path);
    const relative = relativeToRoot(context.remoteRoot, path);
    if (relative !== undefined) relatives.push(relative);
  }
  await detect(context, relatives, { trustStat: false });
}

/** `feedWentBack` asked of the server (one request); false for a server without an events feed. */
export async function feedWentBackOn(client: SyncClient, paths: PathTable): Promise<boolean> {
  const newest = await client.latestEventId().then((id) => ({ id }), (error) => {
    if (error instanceof HttpError && error.status === 404) return undefined;
    throw error;
  });
  return newest !== undefined && feedWentBack(newest.id, paths.cursor, paths.size > 0);
}

/**
 * Pure: whether a mount that synced before (`cursor` and tracked files) meets a server whose feed went back — a server
 * reset, or restored from before — which an incremental pull cannot see (an unknown cursor silently restarts the feed
 * from its first event): a server with no event at all though files were synced, or whose newest event is older
 * than the cursor (decided for ids numbered alike only, `evt_<n>` as the reference's and ours are).
 */
export function feedWentBack(newest: string | undefined, cursor: string | null, tracking: boolean): boolean {
  if (newest === undefined) return tracking;
  if (!cursor) return false;
  const [a, b] = [/^(.*?)(\d+)$/.exec(newest), /^(.*?)(\d+)$/.exec(cursor)];
  return a !== null && b !== null && a[1] === b[1] && Number(a[2]) < Number(b[2]);
}

/** The events after the cursor, folded per path; `false` when the mount has no cursor yet (then: full pull). */
export async function incrementalPull(context: SyncContext): Promise<boolean> {
  const { client, paths } = context;
  if (paths.cursor === null) return false;
  let fold: EventFold = {
    changed: new Set(),
    deleted: new Set(),
    deferred: new Map(),
    cursor: paths.cursor,
    lastEventAt: null,
  };
  for (let page = 0; page < 10_000; page++) {
    const { events, nextCursor } = await client.events({ cursor: fold.cursor, limit: 500 });
    const before = fold.cursor;
    fold = foldEvents(
      fold,
      events,
      context.remoteRoot,
      (path, revision) => paths.isTrackedAt(path, revision),
      (path) => context.queue.isInFlight(path),
    );
    // A server that hides events the token may not read still moves the cursor past them.
    if (!nextCursor || nextCursor === before) break;
    fold = { ...fold, cursor: nextCursor };
  }
  if (fold.lastEventAt !== null) paths.lastEventAt = fold.lastEventAt;
  for (const [path, change] of fold.deferred) paths.defer(path, change);
  await applyServerVersions(context, fold.changed, fold.deleted);
  paths.cursor = fold.cursor;
  await readBehindAgain(context);
  return true;
}

/**
 * The server's version of each `changed` path into the folder (one it no longer has is deleted), after the `deleted`
 * ones are gone: a remote file that became a folder (`/x` deleted, `/x/y` made), or the other way round, needs the
 * old one gone before the new one can be written.
 */
async function applyServerVersions(
  context: SyncContext,
  changed: ReadonlySet<string>,
  deleted = new Set<string>(),
): Promise<void> {
  const files = changed.size > 0 ? await context.client.readFiles([...changed]) : [];
  const fetched = new Set(files.map((file) => normalizeRemotePath(file.path)));
  for (const path of changed) if (!fetched.has(path)) deleted.add(path);
  for (const path of deleted) await applyRemoteDelete(context, path);
  await applyRemoteFiles(context, files);
}

/** The paths whose server version the mount could not take in (`PathTable.markBehind`), read again. */
async function readBehindAgain(context: SyncContext): Promise<void> {
  const behind = new Set(context.paths.behind);
  if (behind.size === 0) return;
  for (const path of behind) context.paths.takeDeferred(path); // what they waited for is read now
  await applyServerVersions(context, behind);
  context.paths.caughtUp(behind);
}

/** Paths to fetch, paths deleted, changes of paths with an upload in flight, and how far the events went. */
export interface EventFold {
  changed: Set<string>;
  deleted: Set<string>;
  /** The latest change of each path whose upload is in flight: looked at once it settles (it may be the upload's). */
  deferred: Map<string, RemoteChange>;
  cursor: string;
  lastEventAt: string | null;
}

/**
 * Pure: one page of events folded into `fold` (a new fold is returned; the sets are shared). A later event of a
 * path outdates an earlier one; a create or update already tracked at its revision needs no fetch; a change of a
 * path whose upload is in flight waits for it (it is most likely that upload's own event: never read back).
 */
export function foldEvents(
  fold: EventFold,
  events: readonly RemoteEvent[],
  remoteRoot: string,
  isTrackedAt: (path: string, revision: string | undefined) => boolean,
  isInFlight: (path: string) => boolean = () => false,
): EventFold {
  let { cursor, lastEventAt } = fold;
  const { changed, deleted, deferred } = fold;
  for (const event of events) {
    if (event.eventId) cursor = event.eventId;
    if (event.timestamp) lastEventAt = event.timestamp;
    const path = normalizeRemotePath(event.path);
    if (!isUnderRoot(remoteRoot, path)) continue;
    if (isInFlight(path) && event.type.startsWith("file.")) {
      if (event.type === "file.deleted") deferred.set(path, { deleted: true });
      else if (!isTrackedAt(path, event.revision)) deferred.set(path, { deleted: false, revision: event.revision });
      continue;
    }
    if (event.type === "file.deleted") {
      deleted.add(path);
      changed.delete(path);
    } else if (event.type === "file.created" || event.type === "file.updated") {
      // A later create outdates an earlier delete, even when it is our own write (skipped just below): a file
      // deleted and made again locally between two pulls must not be removed by the first event.
      deleted.delete(path);
      if (isTrackedAt(path, event.revision)) continue;
      changed.add(path);
    }
  }
  return { changed, deleted, deferred, cursor, lastEventAt };
}

/**
 * Changes WebSocket messages announced, fetched in one bulk-read ahead of the events-cursor pull those messages
 * also trigger (which then finds them tracked and skips them). Only creates and updates: deletes, and anything a
 * message did not say, are the cursor pull's.
 */
export async function applyAnnounced(context: SyncContext, changes: readonly AnnouncedChange[]): Promise<void> {
  const wanted = new Set<string>();
  for (const change of changes) {
    if (change.type !== "file.created" && change.type !== "file.updated") continue;
    const path = normalizeRemotePath(change.path);
    if (!isUnderRoot(context.remoteRoot, path)) continue;
    if (context.paths.isTrackedAt(path, change.revision)) continue;
    // Most likely the announcement of our own upload, which has not come back yet: looked at once it settles.
    if (context.queue.isInFlight(path)) context.paths.defer(path, { deleted: false, revision: change.revision });
    else wanted.add(path);
  }
  if (wanted.size > 0) await applyRemoteFiles(context, await context.client.readFiles([...wanted]));
}
