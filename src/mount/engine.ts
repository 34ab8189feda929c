/**
 * The sync engine: applies remote state to the folder and turns local changes into writeback ops, through the pure
 * decisions of `decide.ts`. Every change of state runs in `serialize`, one at a time.
 */
import type { RelayfileClient } from "../remote/client.ts";
import { isUnderRoot, normalizeRemotePath, relativeToRoot, remotePathFor } from "../protocol/paths.ts";
import type { RemoteFile } from "../protocol/wire.ts";
import { sha256Hex } from "../relay/blobs.ts";
import { listConflicts } from "../relay/conflicts.ts";
import type { WritebackOp } from "../writeback/op.ts";
import type { LocalChange, WritebackQueue } from "../writeback/queue.ts";
import { contentTypeFor, fromWire, toWire } from "../protocol/content.ts";
import { decideLocal, decideRemoteDelete, decideRemoteFile, type PathFacts } from "./decide.ts";
import type { AnnouncedChange } from "./feed.ts";
import { isIgnored } from "./ignore.ts";
import {
  readLocal,
  removeLocal,
  saveConflictCopy,
  statLocal,
  UnsafeLocalPathError,
  walkLocal,
  writeLocal,
} from "./local_fs.ts";
import type { MountStateDocument, Tracked } from "../relay/mount_state.ts";

const APPLY_CONCURRENCY = 16;
const READ_CONCURRENCY = 16;
/** Paths detected per turn of the engine lock, so uploads settle between chunks of a burst. */
const DETECT_CHUNK = 256;

/** What a detection pass found besides changes: hinted folders (to expand) and gone untracked paths. */
interface Detected {
  folders: string[];
  missing: string[];
}

export interface EngineOptions {
  mountDir: string;
  remoteRoot: string;
  client: RelayfileClient;
  state: MountStateDocument;
  writable: (remotePath: string) => boolean;
  log: (line: string) => void;
}

export class SyncEngine {
  readonly mountDir: string;
  readonly remoteRoot: string;
  readonly state: MountStateDocument;
  readonly conflictPaths = new Set<string>();
  readonly readonlyPaths = new Set<string>();
  rejectedRemotePaths = 0;
  queue!: WritebackQueue;
  readonly #client: RelayfileClient;
  readonly #writable: (remotePath: string) => boolean;
  readonly #log: (line: string) => void;
  readonly #reported = new Set<string>();
  readonly #deferred = new Set<string>();
  /** Size and mtime of the bytes an op carries, as seen when it was made (memory only). */
  readonly #observed = new Map<string, { hash: string; size: number; mtimeMs: number }>();
  #lock: Promise<unknown> = Promise.resolve();
  #changed = false;

  constructor(options: EngineOptions) {
    this.mountDir = options.mountDir;
    this.remoteRoot = normalizeRemotePath(options.remoteRoot);
    this.state = options.state;
    this.#client = options.client;
    this.#writable = options.writable;
    this.#log = options.log;
  }

  async loadConflicts(): Promise<void> {
    for (const copy of await listConflicts(this.mountDir)) this.conflictPaths.add(copy.remotePath);
  }

  /** Runs `work` after everything queued before it; one state change at a time. */
  serialize<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(work, work);
    this.#lock = run.catch(() => {});
    return run;
  }

  /** True once since the last call when tracked state changed (the caller saves it). */
  takeChanged(): boolean {
    const changed = this.#changed;
    this.#changed = false;
    return changed;
  }

  // ---- remote → local ------------------------------------------------------------------------------------------

  /** Everything under the remote root, then forget what is gone. Sets the events cursor from before the listing. */
  async fullPull(progress?: (done: number, total: number) => void): Promise<void> {
    const cursor = await this.#client.latestEventId().catch(() => undefined);
    const files = await this.#client.exportFiles(this.remoteRoot) ??
      await this.#client.readFiles(await this.#client.listFilePaths(this.remoteRoot));
    const present = new Set<string>();
    for (const file of files) present.add(normalizeRemotePath(file.path));
    await this.applyRemoteFiles(files, progress);
    for (const path of Object.keys(this.state.files)) {
      if (!present.has(path)) await this.#applyRemoteDelete(path);
    }
    this.state.eventsCursor = cursor ?? null;
    this.#changed = true;
  }

  /** The events after the cursor, folded per path; `false` when the server has no event feed (then: full pull). */
  async incrementalPull(): Promise<boolean> {
    let cursor = this.state.eventsCursor;
    if (cursor === null) return false;
    const changed = new Set<string>();
    const deleted = new Set<string>();
    for (let page = 0; page < 10_000; page++) {
      const { events, nextCursor } = await this.#client.events({ cursor, limit: 500 });
      for (const event of events) {
        if (event.eventId) cursor = event.eventId;
        if (event.timestamp) this.state.lastEventAt = event.timestamp;
        const path = normalizeRemotePath(event.path);
        if (!isUnderRoot(this.remoteRoot, path)) continue;
        if (event.type === "file.deleted") {
          deleted.add(path);
          changed.delete(path);
        } else if (event.type === "file.created" || event.type === "file.updated") {
          // A later create outdates an earlier delete, even when it is our own write (skipped just below): a file
          // deleted and made again locally between two pulls must not be removed by the first event.
          deleted.delete(path);
          if (this.#isTrackedAt(path, event.revision)) continue;
          changed.add(path);
        }
      }
      if (!nextCursor || events.length === 0) break;
    }
    const files = changed.size > 0 ? await this.#client.readFiles([...changed]) : [];
    await this.applyRemoteFiles(files);
    const fetched = new Set(files.map((file) => normalizeRemotePath(file.path)));
    for (const path of changed) if (!fetched.has(path)) deleted.add(path);
    for (const path of deleted) await this.#applyRemoteDelete(path);
    if (cursor !== this.state.eventsCursor) {
      this.state.eventsCursor = cursor;
      this.#changed = true;
    }
    return true;
  }

  /**
   * Changes a WebSocket message announced, fetched in one bulk-read ahead of the events-cursor pull those messages
   * also trigger (which then finds them tracked and skips them). Only creates and updates: deletes, and anything a
   * message did not say, are the cursor pull's. Call inside `serialize`.
   */
  async applyAnnounced(changes: AnnouncedChange[]): Promise<void> {
    const paths = new Set<string>();
    for (const change of changes) {
      if (change.type !== "file.created" && change.type !== "file.updated") continue;
      const path = normalizeRemotePath(change.path);
      if (!isUnderRoot(this.remoteRoot, path)) continue;
      if (this.#isTrackedAt(path, change.revision)) continue;
      paths.add(path);
    }
    if (paths.size > 0) await this.applyRemoteFiles(await this.#client.readFiles([...paths]));
  }

  async applyRemoteFiles(files: RemoteFile[], progress?: (done: number, total: number) => void): Promise<void> {
    let next = 0;
    let done = 0;
    const checkedFolders = new Set<string>();
    const worker = async () => {
      while (next < files.length) {
        const file = files[next++]!;
        await this.#applyRemoteFile(file, checkedFolders);
        progress?.(++done, files.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(APPLY_CONCURRENCY, files.length) }, worker));
  }

  async #applyRemoteFile(file: RemoteFile, checkedFolders?: Set<string>): Promise<void> {
    const relative = this.#localPathOf(file.path);
    if (relative === undefined) return;
    const path = normalizeRemotePath(file.path);
    const bytes = fromWire(file.content, file.encoding);
    if (!bytes) return this.#reportOnce(`bad-content:${path}`, `skipped ${path}: its base64 content does not decode`);
    const facts = await this.#facts(path, relative);
    const remote = { revision: file.revision, hash: await sha256Hex(bytes) };
    const action = decideRemoteFile(facts, remote);
    if (action === "skip") return;
    if (action === "defer") {
      this.#deferred.add(path);
      return;
    }
    if (action === "conflict") {
      const local = await readLocal(this.mountDir, relative);
      if (local) {
        const copy = await saveConflictCopy(this.mountDir, path, facts.tracked?.revision ?? null, local.bytes);
        this.conflictPaths.add(path);
        this.#log(`conflict on ${path}: kept the local version as ${copy}, took the server's ${file.revision}`);
      }
    }
    if (facts.queued) await this.queue.cancel(path);
    const contentType = file.contentType || contentTypeFor(relative);
    if (action === "adopt") {
      const local = await statLocal(this.mountDir, relative);
      this.#track(path, file.revision, remote.hash, contentType, local.kind === "file" ? local : undefined);
      return;
    }
    try {
      const mode = this.#writable(path) ? 0o644 : 0o444;
      const written = await writeLocal(this.mountDir, relative, bytes, mode, checkedFolders);
      this.#track(path, file.revision, remote.hash, contentType, written);
    } catch (error) {
      if (!(error instanceof UnsafeLocalPathError)) throw error;
      this.rejectedRemotePaths++;
      this.#reportOnce(`unsafe:${path}`, `skipped ${path}: ${error.message}`);
    }
  }

  async #applyRemoteDelete(path: string): Promise<void> {
    const relative = relativeToRoot(this.remoteRoot, path);
    if (relative === undefined || !this.state.files[path]) return;
    const facts = await this.#facts(path, relative);
    const action = decideRemoteDelete(facts);
    if (action === "defer") {
      this.#deferred.add(path);
      return;
    }
    if (action === "remove") await removeLocal(this.mountDir, relative);
    delete this.state.files[path];
    this.#changed = true;
    if (action === "keep-local") {
      this.#log(`${path} was deleted on the server but changed here: keeping it, it will be created again`);
      await this.queue.cancel(path);
      await this.detect([relative], { trustStat: false });
    }
  }

  // ---- local → remote ------------------------------------------------------------------------------------------

  /**
   * Watch hints: folders are rescanned, a removed folder expands to what was tracked under it. Returns the folders
   * it rescanned: files written into a new folder right after it appeared produce no events, so the caller rescans
   * them again a little later. Call outside `serialize`: it takes the lock per chunk, so uploads settle meanwhile.
   */
  async handleHints(hints: Iterable<string>): Promise<string[]> {
    const found = await this.#detectInChunks([...hints], false);
    // Hints that turned out to be folders (or are gone) expand to the files in them (or tracked under them).
    const expanded = new Set<string>();
    for (const folder of found.folders) {
      for await (const file of walkLocal(this.mountDir, folder)) expanded.add(file.path);
    }
    for (const gone of found.missing) {
      const prefix = `${remotePathFor(this.remoteRoot, gone)}/`;
      for (const path of Object.keys(this.state.files)) {
        if (path.startsWith(prefix)) expanded.add(relativeToRoot(this.remoteRoot, path)!);
      }
    }
    if (expanded.size > 0) await this.#detectInChunks([...expanded], false);
    return found.folders;
  }

  /** A full scan of the folder: catches whatever the watcher missed. Call outside `serialize`. */
  async scanAll(): Promise<void> {
    const seen = new Set<string>();
    for await (const file of walkLocal(this.mountDir)) seen.add(file.path);
    for (const path of Object.keys(this.state.files)) {
      const relative = relativeToRoot(this.remoteRoot, path);
      if (relative !== undefined) seen.add(relative);
    }
    await this.#detectInChunks([...seen], true);
  }

  async #detectInChunks(paths: string[], trustStat: boolean): Promise<Detected> {
    const detected: Detected = { folders: [], missing: [] };
    for (let start = 0; start < paths.length; start += DETECT_CHUNK) {
      const chunk = await this.serialize(() => this.detect(paths.slice(start, start + DETECT_CHUNK), { trustStat }));
      detected.folders.push(...chunk.folders);
      detected.missing.push(...chunk.missing);
    }
    return detected;
  }

  /**
   * Local paths → ops (call inside `serialize`). With `trustStat`, a tracked file whose size and mtime did not change
   * is not re-read. Files are read and hashed a few at a time.
   */
  async detect(relativePaths: Iterable<string>, options: { trustStat: boolean }): Promise<Detected> {
    const paths = [...relativePaths].filter((relative) => relative !== "" && !isIgnored(relative));
    const changes: (LocalChange | undefined)[] = new Array(paths.length);
    const detected: Detected = { folders: [], missing: [] };
    let next = 0;
    const worker = async () => {
      while (next < paths.length) {
        const index = next++;
        const result = await this.#detectOne(paths[index]!, options.trustStat);
        if (result === "dir") detected.folders.push(paths[index]!);
        else if (result === "missing") detected.missing.push(paths[index]!);
        else changes[index] = result;
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, paths.length) }, worker));
    const found = changes.filter((change): change is LocalChange => change !== undefined);
    if (found.length > 0) await this.queue.enqueue(found);
    return detected;
  }

  /** One path: its change, `"dir"` for a folder, `"missing"` for an untracked path that is gone. */
  async #detectOne(relative: string, trustStat: boolean): Promise<LocalChange | "dir" | "missing" | undefined> {
    const path = remotePathFor(this.remoteRoot, relative);
    const tracked = this.state.files[path];
    const entry = await statLocal(this.mountDir, relative);
    if (entry.kind === "dir") return "dir";
    if (entry.kind === "other") return undefined;
    if (
      trustStat && tracked && entry.kind === "file" && entry.size === tracked.size && entry.mtimeMs === tracked.mtimeMs
    ) return undefined;
    const local = entry.kind === "file" ? await readLocal(this.mountDir, relative) : undefined;
    const facts = await this.#facts(path, relative, local?.hash ?? null);
    const action = decideLocal(facts, {
      writable: this.#writable(path),
      deadLetteredHash: this.queue.isDeadLettered(path, local?.hash ?? null) ? local?.hash ?? null : undefined,
    });
    if (action === "none" && entry.kind === "missing" && !tracked) return "missing";
    switch (action) {
      case "none":
        if (tracked && local && local.hash === tracked.hash && local.mtimeMs !== tracked.mtimeMs) {
          this.#track(path, tracked.revision, tracked.hash, tracked.contentType, local);
        }
        return undefined;
      case "restore":
        await this.#restore(path, relative);
        return undefined;
      case "refuse":
        this.#reportOnce(`refuse:${path}`, `not sending ${path}: the token may not write it`);
        return undefined;
      case "delete":
        return { path, kind: "delete", contentHash: null, baseRevision: tracked?.revision ?? null };
      case "upload": {
        if (!local) return undefined;
        this.#observed.set(path, { hash: local.hash, size: local.size, mtimeMs: local.mtimeMs });
        const contentType = tracked?.contentType || contentTypeFor(relative);
        return {
          path,
          kind: tracked ? "update" : "create",
          bytes: local.bytes,
          contentHash: local.hash,
          contentType,
          wire: toWire(local.bytes, contentType),
          baseRevision: tracked?.revision ?? null,
        };
      }
    }
  }

  /** The token may not write this path: put the server's version back, once per change. */
  async #restore(path: string, relative: string): Promise<void> {
    const file = await this.#client.readFile(path);
    this.readonlyPaths.add(path);
    this.#log(`WRITE_REVERTED ${path}: the token may not write it; restored the server's version`);
    if (!file) {
      delete this.state.files[path];
      this.#changed = true;
      return;
    }
    const bytes = fromWire(file.content, file.encoding);
    if (!bytes) return;
    const written = await writeLocal(this.mountDir, relative, bytes, 0o444);
    this.#track(path, file.revision, await sha256Hex(bytes), file.contentType || contentTypeFor(relative), written);
  }

  // ---- hooks of the writeback queue ----------------------------------------------------------------------------

  baseRevision(path: string): string | null {
    return this.state.files[path]?.revision ?? null;
  }

  /** Ops that reached the server, a batch at a time: their revisions become the tracked state. */
  onCommitted(committed: { op: WritebackOp; revision: string | null }[]): Promise<void> {
    return this.serialize(async () => {
      for (const { op, revision } of committed) {
        const relative = relativeToRoot(this.remoteRoot, op.path);
        if (op.kind === "delete" || revision === null) {
          delete this.state.files[op.path];
          this.#changed = true;
        } else if (relative !== undefined) {
          // Size and mtime only when the file still is what was sent, so a newer edit is not taken as synced.
          const seen = this.#observed.get(op.path);
          const now = await statLocal(this.mountDir, relative);
          const unchanged = seen !== undefined && seen.hash === op.contentHash && now.kind === "file" &&
            now.size === seen.size && now.mtimeMs === seen.mtimeMs;
          this.#track(
            op.path,
            revision,
            op.contentHash ?? "",
            op.contentType ?? contentTypeFor(relative),
            unchanged ? seen : undefined,
          );
        }
        if (this.#observed.get(op.path)?.hash === op.contentHash) this.#observed.delete(op.path);
        await this.#retryDeferred(op.path);
      }
    });
  }

  /** The server moved on since the op's base: keep the local bytes as a conflict copy and take the server's. */
  onConflict(op: WritebackOp): Promise<void> {
    return this.serialize(async () => {
      const relative = relativeToRoot(this.remoteRoot, op.path);
      if (relative === undefined) return;
      const remote = await this.#client.readFile(op.path);
      const local = await readLocal(this.mountDir, relative);
      if (!remote) {
        delete this.state.files[op.path];
        this.#changed = true;
        if (local) await this.detect([relative], { trustStat: false });
        return;
      }
      const bytes = fromWire(remote.content, remote.encoding);
      if (!bytes) return;
      const hash = await sha256Hex(bytes);
      if (local && local.hash !== hash) {
        const copy = await saveConflictCopy(this.mountDir, op.path, op.baseRevision, local.bytes);
        this.conflictPaths.add(op.path);
        this.#log(`conflict on ${op.path}: kept the local version as ${copy}, took the server's ${remote.revision}`);
      } else if (!local && op.kind === "delete") {
        this.#log(`${op.path} changed on the server after it was deleted here: restored the server's version`);
      }
      const written = local && local.hash === hash
        ? { size: local.size, mtimeMs: local.mtimeMs }
        : await writeLocal(this.mountDir, relative, bytes, this.#writable(op.path) ? 0o644 : 0o444);
      this.#track(op.path, remote.revision, hash, remote.contentType || contentTypeFor(relative), written);
      await this.#retryDeferred(op.path);
    });
  }

  // ---- helpers -------------------------------------------------------------------------------------------------

  async #retryDeferred(path: string): Promise<void> {
    if (!this.#deferred.delete(path)) return;
    const file = await this.#client.readFile(path);
    if (file) await this.#applyRemoteFile(file);
    else await this.#applyRemoteDelete(path);
  }

  async #facts(path: string, relative: string, localHash?: string | null): Promise<PathFacts> {
    const tracked = this.state.files[path];
    const hash = localHash !== undefined ? localHash : (await readLocal(this.mountDir, relative))?.hash ?? null;
    const queued = this.queue.opFor(path);
    return {
      tracked: tracked ? { revision: tracked.revision, hash: tracked.hash } : null,
      localHash: hash,
      queued: queued ? { hash: queued.contentHash, inFlight: this.queue.isInFlight(path) } : null,
    };
  }

  /** Already tracked at this revision (our own write, or a change already fetched): nothing to fetch. */
  #isTrackedAt(path: string, revision: string | undefined): boolean {
    return revision !== undefined && revision !== "" && this.state.files[path]?.revision === revision;
  }

  /** The local path of a remote path, or `undefined` (reported) when it is outside the root or hostile. */
  #localPathOf(remotePath: string): string | undefined {
    const path = normalizeRemotePath(remotePath);
    if (!isUnderRoot(this.remoteRoot, path) || path === this.remoteRoot) return undefined;
    const relative = relativeToRoot(this.remoteRoot, remotePath);
    if (relative === undefined || isIgnored(relative)) {
      this.rejectedRemotePaths++;
      this.#reportOnce(`hostile:${remotePath}`, `skipped remote path ${JSON.stringify(remotePath)}: not a safe path`);
      return undefined;
    }
    return relative;
  }

  #track(path: string, revision: string, hash: string, contentType: string, stat?: { size: number; mtimeMs: number }) {
    const tracked: Tracked = { revision, hash, contentType, size: stat?.size ?? -1, mtimeMs: stat?.mtimeMs ?? -1 };
    this.state.files[path] = tracked;
    this.#changed = true;
  }

  #reportOnce(key: string, message: string): void {
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.#log(message);
  }
}
