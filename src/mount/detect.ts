/**
 * Local → remote: turns local paths into writeback ops through the pure `decideLocal`. Files are read and hashed a
 * few at a time; a tracked file whose size and mtime did not change is not re-read when the stat can be trusted.
 */
import { contentTypeFor, toWire } from "../protocol/content.ts";
import { relativeToRoot, remotePathFor, unsendableLocalName } from "../protocol/paths.ts";
import { sha256Hex } from "../relay/blobs.ts";
import { INLINE_PAYLOAD_MAX_BYTES, type LocalChange } from "../writeback/queue.ts";
import { factsOf, type SyncContext } from "./context.ts";
import { decideLocal } from "./decide.ts";
import {
  type LocalEntry,
  type LocalFile,
  readLocal,
  removeLeftover,
  statLocal,
  TOO_LARGE_TO_SEND,
  unreadableReason,
  walkLocal,
  type WalkReports,
  writeLocal,
} from "./local_fs.ts";
import { FileTooLargeError } from "../lib/whole_files.ts";
import { formatBytes } from "../lib/bytes.ts";
import { mapConcurrent } from "../lib/map_concurrent.ts";

const READ_CONCURRENCY = 16;

/** What a detection pass found besides changes: hinted folders (to expand) and gone untracked paths. */
export interface Detected {
  folders: string[];
  missing: string[];
}

/** Local paths → ops, enqueued. Call under the engine's lock. */
export async function detect(
  context: SyncContext,
  relativePaths: Iterable<string>,
  options: { trustStat: boolean },
): Promise<Detected> {
  const paths = [...relativePaths].filter((relative) => relative !== "" && !context.rules.ignores(relative));
  const detected: Detected = { folders: [], missing: [] };
  const changes = await mapConcurrent(
    paths,
    READ_CONCURRENCY,
    (relative) => detectOne(context, relative, options.trustStat, detected),
  );
  const found = changes.filter((change): change is LocalChange => change !== undefined);
  // Files gone because their folder is (removed, or replaced by an empty one) are not deletes to send: the mount
  // stops at its next heartbeat.
  if (found.some((change) => change.kind === "delete") && !context.folderPresent()) return detected;
  if (found.length > 0) await context.queue.enqueue(found);
  return detected;
}

/** Paths to look at after hints named these folders (their files) and gone paths (what was tracked under them). */
export async function expandHints(context: SyncContext, found: Detected): Promise<string[]> {
  const expanded = new Set<string>();
  for (const folder of found.folders) {
    const reports: WalkReports = {
      unusable: notSent(context),
      unreadable: (path, error) => notReadable(context, path, error),
    };
    for await (const file of walkLocal(context.mountDir, folder, context.rules, reports)) {
      expanded.add(file.path);
    }
  }
  for (const gone of found.missing) {
    const prefix = `${remotePathFor(context.remoteRoot, gone)}/`;
    for (const path of context.paths.paths()) {
      if (path.startsWith(prefix)) expanded.add(relativeToRoot(context.remoteRoot, path)!);
    }
  }
  return [...expanded];
}

/**
 * Every path a full scan looks at: what is in the folder and what is tracked. Files listed as not sent for their
 * names are forgotten once they are gone (renamed, most likely: the new name is among the paths).
 */
export async function everyLocalPath(context: SyncContext): Promise<string[]> {
  const seen = new Set<string>();
  const unusable = new Set<string>();
  const report = notSent(context);
  const reports: WalkReports = {
    unusable: (path, reason) => {
      unusable.add(path);
      report(path, reason);
    },
    unreadable: (path, error) => {
      unusable.add(path);
      notReadable(context, path, error);
    },
    namedPipe: (path) =>
      context.reportOnce(
        `pipe:${path}`,
        `${path} is a named pipe: never synced, and while it is in the folder the file watcher stops at it (Deno's ` +
          "watcher opens each path it reports, and opening a pipe waits for a writer), so local changes are found " +
          "by the full scan each --interval only; move it out of the folder",
      ),
    leftover: (path) => {
      if (removeLeftover(context.mountDir, path)) {
        context.log(
          `removed ${path}: the temp file of a write that was never finished (the mount was stopped mid-write)`,
        );
      }
    },
  };
  for await (const file of walkLocal(context.mountDir, "", context.rules, reports)) seen.add(file.path);
  for (const path of context.paths.skippedLocal.keys()) {
    if (!seen.has(path) && !unusable.has(path)) context.paths.unskipLocal(path);
  }
  for (const path of context.paths.paths()) {
    const relative = relativeToRoot(context.remoteRoot, path);
    if (relative !== undefined) seen.add(relative);
  }
  return [...seen];
}

/**
 * One path: its change, if any. A folder is noted in `detected.folders` (its files are looked at next), an untracked
 * path that is gone in `detected.missing`. A folder or a symlink where a synced file was is that file deleted, as
 * when it is simply gone: the mount syncs regular files only and never follows a symlink.
 */
async function detectOne(
  context: SyncContext,
  relative: string,
  trustStat: boolean,
  detected: Detected,
): Promise<LocalChange | undefined> {
  let entry: LocalEntry;
  try {
    entry = await statLocal(context.mountDir, relative);
  } catch (error) {
    return notReadable(context, relative, error);
  }
  if (entry.kind === "dir") detected.folders.push(relative);
  const unsendable = unsendableLocalName(relative);
  if (unsendable !== undefined) {
    if (entry.kind === "file") notSent(context)(relative, unsendable);
    else context.paths.unskipLocal(relative);
    return undefined;
  }
  const path = remotePathFor(context.remoteRoot, relative);
  const tracked = context.paths.get(path);
  if (
    trustStat && tracked && entry.kind === "file" && entry.size === tracked.size && entry.mtimeMs === tracked.mtimeMs
  ) return undefined;
  let local: LocalFile | undefined;
  try {
    local = entry.kind === "file" ? await readLocal(context.mountDir, relative) : undefined;
  } catch (error) {
    if (!(error instanceof FileTooLargeError)) return notReadable(context, relative, error);
    const advice = `it is ${formatBytes(error.size)}: move it out of the folder, or list it in .relayignore`;
    notSent(context)(relative, TOO_LARGE_TO_SEND, advice);
    // A version refused while it grew (a 413 on the way to this size) is not what the folder holds any more.
    if (context.queue.hasDeadLetter(path)) {
      await context.queue.discardDeadLetter(path, `the local file grew ${TOO_LARGE_TO_SEND}: listed as not sent`);
    }
    return undefined;
  }
  context.paths.unskipLocal(relative);
  const facts = await factsOf(context, path, relative, local?.hash ?? null);
  const action = decideLocal(facts, {
    writable: context.writable(path),
    deadLetteredHash: context.queue.isDeadLettered(path, local?.hash ?? null) ? local?.hash ?? null : undefined,
  });
  if (action === "none" && entry.kind === "missing" && !tracked) {
    if (context.queue.hasDeadLetter(path)) {
      await context.queue.discardDeadLetter(path, "the local file was deleted before it reached the server");
    }
    detected.missing.push(relative);
    return undefined;
  }
  switch (action) {
    case "none":
      if (tracked && local && local.hash === tracked.hash && local.mtimeMs !== tracked.mtimeMs) {
        context.paths.track(path, tracked.revision, tracked.hash, tracked.contentType, local);
      }
      return undefined;
    case "restore":
      if (entry.kind === "dir" || entry.kind === "other") {
        context.reportOnce(`refuse:${path}`, `not deleting ${path}: the token may not write it`);
      } else await restore(context, path, relative);
      return undefined;
    case "refuse":
      context.reportOnce(`refuse:${path}`, `not sending ${path}: the token may not write it`);
      return undefined;
    case "delete":
      return { path, kind: "delete", contentHash: null, baseRevision: tracked?.revision ?? null };
    case "upload": {
      if (!local) return undefined;
      context.paths.observe(path, { hash: local.hash, size: local.size, mtimeMs: local.mtimeMs });
      context.bases.keep(local.hash, local.bytes); // the base of later merges, once this upload lands
      const contentType = tracked?.contentType || contentTypeFor(relative);
      return {
        path,
        kind: tracked ? "update" : "create",
        bytes: local.bytes,
        contentHash: local.hash,
        contentType,
        // Only a payload kept inline needs its wire text now; a larger one is encoded as it is sent.
        ...(local.bytes.length <= INLINE_PAYLOAD_MAX_BYTES ? { wire: toWire(local.bytes, contentType) } : {}),
        baseRevision: tracked?.revision ?? null,
      };
    }
  }
}

/** Lists a local file the mount does not send (status shows it), and says so once, with what to do. */
function notSent(context: SyncContext): (relative: string, reason: string, advice?: string) => void {
  return (relative, reason, advice = "rename it") => {
    context.paths.skipLocal(relative, reason);
    context.reportOnce(`unsendable:${relative}:${reason}`, `not sending ${relative}: ${reason}; ${advice}`);
  };
}

/** A path the mount could not stat or read: listed as not sent, never taken as deleted; the next scan looks again. */
function notReadable(context: SyncContext, relative: string, error: unknown): undefined {
  notSent(context)(relative, unreadableReason(error), "make it readable, or list it in .relayignore");
  return undefined;
}

/** The token may not write this path: put the server's version back, once per change. */
async function restore(context: SyncContext, path: string, relative: string): Promise<void> {
  const file = await context.client.readFile(path);
  context.paths.markReadonly(path);
  context.log(`WRITE_REVERTED ${path}: the token may not write it; restored the server's version`);
  if (!file) {
    context.paths.forget(path);
    return;
  }
  const bytes = file.bytes;
  if (!bytes) return;
  const written = await writeLocal(context.mountDir, relative, bytes, { mode: 0o444 });
  const contentType = file.contentType || contentTypeFor(relative);
  context.paths.track(path, file.revision, await sha256Hex(bytes), contentType, written);
}
