/**
 * Remote → local: writes remote files and deletes into the folder through the pure `decideRemoteFile` and
 * `decideRemoteDelete`. Nothing is overwritten silently: when both sides changed, the local bytes are kept as a
 * conflict copy. A change of a path whose upload is in flight waits until the upload settles.
 */
import { contentTypeFor, fromWire } from "../protocol/content.ts";
import { isUnderRoot, normalizeRemotePath, relativeToRoot } from "../protocol/paths.ts";
import type { RemoteFile, RemoteFileBytes } from "../protocol/wire.ts";
import { sha256Hex } from "../relay/blobs.ts";
import { mapConcurrent } from "../lib/map_concurrent.ts";
import { FileTooLargeError } from "../lib/whole_files.ts";
import type { WritebackOp } from "../writeback/op.ts";
import { factsOf, type SyncContext } from "./context.ts";
import { decideRemoteDelete, decideRemoteFile } from "./decide.ts";
import { detect } from "./detect.ts";
import { saveConflictCopy } from "../relay/conflicts.ts";
import { besideCopyName } from "../relay/conflict_names.ts";
import { mergeHere, mergeOnServer } from "./merge.ts";
import {
  isPermissionDenied,
  LocalChangedError,
  readLocal,
  removeLocal,
  statLocal,
  TOO_LARGE_TO_SEND,
  unmaterializableReason,
  UnsafeLocalPathError,
  writeLocal,
} from "./local_fs.ts";

const APPLY_CONCURRENCY = 16;

export async function applyRemoteFiles(
  context: SyncContext,
  files: readonly (RemoteFile | RemoteFileBytes)[],
  progress?: (done: number, total: number) => void,
): Promise<void> {
  let done = 0;
  const checkedFolders = new Set<string>();
  await mapConcurrent(acrossFolders(files), APPLY_CONCURRENCY, async (file) => {
    await applyRemoteFile(context, file, checkedFolders);
    progress?.(++done, files.length);
  });
}

/** The files in turn from each folder: creates in one folder wait for each other, in different folders they overlap. */
function acrossFolders<T extends { path: string }>(files: readonly T[]): T[] {
  const byFolder = Map.groupBy(files, (file) => file.path.slice(0, file.path.lastIndexOf("/")));
  const queues = [...byFolder.values()];
  const order: T[] = [];
  for (let index = 0; order.length < files.length; index++) {
    for (const queue of queues) if (index < queue.length) order.push(queue[index]!);
  }
  return order;
}

async function applyRemoteFile(
  context: SyncContext,
  file: RemoteFile | RemoteFileBytes,
  checkedFolders?: Set<string>,
): Promise<void> {
  const relative = localPathOf(context, file.path);
  if (relative === undefined) return;
  const path = normalizeRemotePath(file.path);
  try {
    await materialize(context, file, path, relative, checkedFolders);
  } catch (error) {
    if (error instanceof LocalChangedError) return await keepLocalChange(context, path, relative, file.revision);
    if (error instanceof UnsafeLocalPathError) {
      context.paths.reject();
      context.reportOnce(`unsafe:${path}`, `skipped ${path}: ${error.message}`);
      return;
    }
    if (error instanceof FileTooLargeError) {
      // The local file is not sent either (the scan lists it): the two sides stay apart until it is moved or shrunk.
      context.reportOnce(
        `too-large:${path}`,
        `not taking the server's ${path}: the local file is ${TOO_LARGE_TO_SEND}, so it is neither read nor ` +
          "replaced",
      );
      return;
    }
    if (isPermissionDenied(error)) {
      // Nor may a path the mount cannot read or write here: it is tried again at each full reconcile.
      context.reportOnce(
        `denied:${path}`,
        `skipped remote ${path}: the mount may not read or write ${relative} here (permission denied)`,
      );
      return;
    }
    // One name the folder cannot hold must not stop the pull (and the events cursor) for every other path.
    const reason = unmaterializableReason(error);
    if (reason === undefined) throw error;
    context.paths.skip(path, reason);
    context.reportOnce(`skipped:${path}:${reason}`, `skipped remote ${path}: ${reason}`);
  }
}

/** One remote file into the folder, as `decideRemoteFile` says. */
async function materialize(
  context: SyncContext,
  file: RemoteFile | RemoteFileBytes,
  path: string,
  relative: string,
  checkedFolders?: Set<string>,
): Promise<void> {
  const bytes = "bytes" in file ? file.bytes : fromWire(file.content, file.encoding);
  if (!bytes) return context.reportOnce(`bad-content:${path}`, `skipped ${path}: its base64 content does not decode`);
  const local = await readLocal(context.mountDir, relative);
  const facts = await factsOf(context, path, relative, local?.hash ?? null);
  const remote = { revision: file.revision, hash: await sha256Hex(bytes) };
  const action = decideRemoteFile(facts, remote);
  if (action === "skip") return;
  if (action === "defer") return context.paths.defer(path, { deleted: false, revision: file.revision });
  const contentType = file.contentType || contentTypeFor(relative);
  if (action === "conflict") {
    const side = { bytes, hash: remote.hash, revision: file.revision, contentType };
    const baseHash = facts.tracked?.hash;
    if (local && baseHash && await mergeHere(context, { path, relative, baseHash, local, remote: side })) return;
    if (local) await keepConflictCopy(context, path, facts.tracked?.revision ?? null, local.bytes, file.revision);
  }
  if (facts.queued) await context.queue.cancel(path);
  context.bases.keep(remote.hash, bytes);
  if (action === "adopt") {
    const local = await statLocal(context.mountDir, relative);
    context.paths.track(path, file.revision, remote.hash, contentType, local.kind === "file" ? local : undefined);
    return;
  }
  const mode = context.writable(path) ? 0o644 : 0o444;
  const written = await writeLocal(context.mountDir, relative, bytes, {
    mode,
    checkedFolders,
    replacing: local ?? null,
  });
  context.paths.track(path, file.revision, remote.hash, contentType, written);
  context.log(`down ${path} ${file.revision}`, { level: "detail", event: "down", path, revision: file.revision });
  context.paths.unskip(path);
}

export async function applyRemoteDelete(context: SyncContext, path: string): Promise<void> {
  context.paths.unskip(path);
  const relative = relativeToRoot(context.remoteRoot, path);
  if (relative === undefined || !context.paths.has(path)) return;
  const facts = await factsOf(context, path, relative);
  const action = decideRemoteDelete(facts);
  if (action === "defer") return context.paths.defer(path, { deleted: true });
  if (action === "remove") {
    await removeLocal(context.mountDir, relative);
    context.log(`delete ${path} (here)`, { level: "detail", event: "delete", path });
  }
  context.paths.forget(path);
  if (action === "keep-local") {
    context.log(`${path} was deleted on the server but changed here: keeping it, it will be created again`);
    await context.queue.cancel(path);
    await detect(context, [relative], { trustStat: false });
  }
}

/**
 * A file written here after the mount decided to write the server's version over it (or where there was none): kept,
 * and sent, it meets the server's revision as any edit made on an older base does.
 */
async function keepLocalChange(
  context: SyncContext,
  path: string,
  relative: string,
  revision?: string,
): Promise<void> {
  context.log(
    `${path} changed here while the server's ${revision ?? "version"} was being written: keeping it, and sending it`,
    { event: "conflict", path, ...(revision ? { revision } : {}) },
  );
  await detect(context, [relative], { trustStat: false });
}

/** The server moved on since the op's base: keep the local bytes as a conflict copy and take the server's. */
export async function resolveConflict(context: SyncContext, op: WritebackOp): Promise<void> {
  const relative = relativeToRoot(context.remoteRoot, op.path);
  if (relative === undefined) return;
  try {
    await takeServerVersion(context, op, relative);
  } catch (error) {
    if (!(error instanceof LocalChangedError)) throw error;
    await keepLocalChange(context, op.path, relative);
  }
}

async function takeServerVersion(context: SyncContext, op: WritebackOp, relative: string): Promise<void> {
  const local = await readLocal(context.mountDir, relative);
  if (await mergeOnServer(context, op, relative, local)) {
    return await retryDeferred(context, op.path, context.paths.baseRevision(op.path));
  }
  const remote = await context.client.readFile(op.path);
  if (!remote) {
    context.paths.forget(op.path);
    if (local) await detect(context, [relative], { trustStat: false });
    return;
  }
  const bytes = remote.bytes;
  if (!bytes) return;
  const hash = await sha256Hex(bytes);
  const tracked = context.paths.get(op.path);
  const contentType = remote.contentType || contentTypeFor(relative);
  if (local && local.hash !== hash) {
    const side = { bytes, hash, revision: remote.revision, contentType };
    const baseHash = op.kind !== "delete" && tracked?.revision === op.baseRevision ? tracked.hash : undefined;
    if (baseHash && await mergeHere(context, { path: op.path, relative, baseHash, local, remote: side })) {
      return await retryDeferred(context, op.path, remote.revision);
    }
    await keepConflictCopy(context, op.path, op.baseRevision, local.bytes, remote.revision);
  } else if (!local && op.kind === "delete") {
    context.log(`${op.path} changed on the server after it was deleted here: restored the server's version`);
  }
  const written = local && local.hash === hash
    ? { size: local.size, mtimeMs: local.mtimeMs }
    : await writeLocal(context.mountDir, relative, bytes, {
      mode: context.writable(op.path) ? 0o644 : 0o444,
      replacing: local ?? null,
    });
  context.bases.keep(hash, bytes);
  context.paths.track(op.path, remote.revision, hash, contentType, written);
  await retryDeferred(context, op.path, remote.revision);
}

/**
 * A remote change that waited for an upload of its path: fetched now that the upload settled — unless it was that
 * upload itself (the revision it got, or its delete, `null`): the mount never reads back its own write.
 */
export async function retryDeferred(context: SyncContext, path: string, settledAt: string | null): Promise<void> {
  const change = context.paths.takeDeferred(path);
  if (!change) return;
  if (change.deleted ? settledAt === null : change.revision !== undefined && change.revision === settledAt) return;
  const file = await context.client.readFile(path);
  if (file) await applyRemoteFile(context, file);
  else await applyRemoteDelete(context, path);
}

/** The local bytes of a conflict, kept in `.relay/conflicts/` and (unless hidden) beside the file. */
async function keepConflictCopy(
  context: SyncContext,
  path: string,
  baseRevision: string | null,
  bytes: Uint8Array,
  remoteRevision: string,
): Promise<void> {
  const copy = await saveConflictCopy(context.mountDir, path, baseRevision, bytes);
  let beside: string | undefined;
  const relative = relativeToRoot(context.remoteRoot, path);
  if (context.conflictCopies === "beside" && relative !== undefined) {
    const slash = relative.lastIndexOf("/");
    beside = relative.slice(0, slash + 1) + besideCopyName(relative.slice(slash + 1), baseRevision, new Date());
    await writeLocal(context.mountDir, beside, bytes, { mode: 0o600 });
  }
  context.paths.markConflict(path);
  context.log(
    `conflict on ${path}: both sides changed the same lines; kept the local version as ${beside ?? copy}, ` +
      `took the server's ${remoteRevision} (resolve: relayfile writeback resolve ${
        relative ?? path
      } --keep local|remote)`,
    { event: "conflict", path, revision: remoteRevision },
  );
}

/** The local path of a remote path, or `undefined` (reported) when it is outside the root or hostile. */
function localPathOf(context: SyncContext, remotePath: string): string | undefined {
  const path = normalizeRemotePath(remotePath);
  if (!isUnderRoot(context.remoteRoot, path) || path === context.remoteRoot) return undefined;
  const relative = relativeToRoot(context.remoteRoot, remotePath);
  if (relative === undefined || context.rules.ignores(relative)) {
    context.paths.reject();
    context.reportOnce(`hostile:${remotePath}`, `skipped remote path ${JSON.stringify(remotePath)}: not a safe path`);
    return undefined;
  }
  return relative;
}
