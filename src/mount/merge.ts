/**
 * Both sides changed a text file: merge them against the last synced content (its base, kept in
 * `.relay/bases.sqlite`) before anyone is asked. A push that met a newer revision asks the server's `fs/merge` first
 * (one request, merged where the live file is); otherwise, and on a pull that meets a local edit, the merge is made
 * here and the merged bytes go out as a new op through the queue, conditional on the revision merged against. Only
 * edits of the same lines — or binary, oversized or baseless files — are left to a conflict copy.
 */
import { contentTypeFor } from "../protocol/content.ts";
import { MERGE_STRATEGY, mergeableText, mergeLines } from "../protocol/merge.ts";
import { noteMerge } from "../relay/merge_notes.ts";
import { sha256Hex } from "../relay/blobs.ts";
import { HttpError } from "../remote/errors.ts";
import type { WritebackOp } from "../writeback/op.ts";
import type { SyncContext } from "./context.ts";
import { detect } from "./detect.ts";
import { type LocalFile, writeLocal } from "./local_fs.ts";

/** The remote side of a merge: its bytes and revision. */
export interface RemoteSide {
  bytes: Uint8Array;
  hash: string;
  revision: string;
  contentType: string;
}

/**
 * Merges the local edit of `path` with `remote`, both made on the base of hash `baseHash`: on a clean merge the
 * merged bytes are written here and queued for upload on top of `remote.revision`, and `true` is returned.
 * Call under the engine's lock.
 */
export async function mergeHere(
  context: SyncContext,
  change: { path: string; relative: string; baseHash: string; local: LocalFile; remote: RemoteSide },
): Promise<boolean> {
  const { path, relative, local, remote } = change;
  const base = await context.bases.read(change.baseHash);
  const texts = [base, local.bytes, remote.bytes].map((bytes) => bytes && mergeableText(bytes));
  if (texts.some((text) => text === undefined)) return false;
  const merged = mergeLines(texts[0]!, texts[1]!, texts[2]!);
  if (merged.kind === "conflict") return false;
  const bytes = new TextEncoder().encode(merged.text);
  await writeLocal(context.mountDir, relative, bytes, {
    mode: context.writable(path) ? 0o644 : 0o444,
    replacing: local,
  });
  await noteMerge(context.mountDir, local.hash, await sha256Hex(bytes));
  context.bases.keep(remote.hash, remote.bytes);
  // Tracked at the remote revision without a stat: the merged bytes differ from it, so they go out as an update.
  context.paths.track(path, remote.revision, remote.hash, remote.contentType);
  await detect(context, [relative], { trustStat: false });
  context.log(`merged ${path}: the local and the server's edits touched different lines; sending the merge`, {
    event: "merge",
    path,
    revision: remote.revision,
  });
  return true;
}

/**
 * A push of `op` met a newer revision: asks the server to merge the local bytes into its live file. `true` when the
 * server merged them (the merged file is then taken in here); `false` when it cannot or will not (merge the other
 * way, or keep a conflict copy).
 */
export async function mergeOnServer(
  context: SyncContext,
  op: WritebackOp,
  relative: string,
  local: LocalFile | undefined,
): Promise<boolean> {
  const tracked = context.paths.get(op.path);
  if (!context.serverMerge.available || op.kind === "delete" || !local || !tracked) return false;
  if (tracked.revision !== op.baseRevision) return false;
  const base = await context.bases.read(tracked.hash);
  const baseText = base && mergeableText(base);
  const localText = mergeableText(local.bytes);
  if (baseText === undefined || localText === undefined) return false;
  let merged;
  try {
    merged = await context.client.mergeFile(op.path, {
      strategy: MERGE_STRATEGY,
      baseRevision: tracked.revision,
      baseContent: baseText,
      content: localText,
      contentType: tracked.contentType || contentTypeFor(relative),
      contentIdentity: {
        kind: "mount-merge",
        key: `${op.path}:${MERGE_STRATEGY}:${tracked.revision}:${local.hash}`,
        ttlSeconds: 7 * 86_400,
      },
    });
  } catch (error) {
    if (error instanceof HttpError && error.status === 404 && error.code !== "merge_ineligible") {
      context.serverMerge.available = false; // no fs/merge here: merges are made by the mount from now on
    }
    return false;
  }
  const file = await context.client.readFile(op.path);
  const bytes = file?.bytes;
  if (!file || !bytes) return false;
  const hash = await sha256Hex(bytes);
  const written = await writeLocal(context.mountDir, relative, bytes, {
    mode: context.writable(op.path) ? 0o644 : 0o444,
    replacing: local,
  });
  context.bases.keep(hash, bytes);
  await noteMerge(context.mountDir, local.hash, hash);
  context.paths.track(op.path, file.revision, hash, file.contentType || contentTypeFor(relative), written);
  if (file.revision === merged.targetRevision) {
    await context.queue.awaitServerWrite({
      path: op.path,
      contentHash: hash,
      baseRevision: tracked.revision,
      revision: merged.targetRevision,
    });
  }
  context.log(`merged ${op.path} on the server (fs/merge): the local and the server's edits touched different lines`, {
    event: "merge",
    path: op.path,
    revision: file.revision,
  });
  return true;
}
