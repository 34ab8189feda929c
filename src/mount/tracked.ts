/**
 * The mount's table of paths: what each remote path was at the last sync (revision, hash, size, mtime), the events
 * cursor, and the mount's own marks on paths (conflicted, read-only, waiting for an upload to settle, size and mtime
 * of the bytes an op carries). The one owner of these facts: every part of the mount asks it, nobody keeps a copy.
 * (What is queued, in flight or dead-lettered is the writeback queue's to say.)
 */
import type { MountStateDocument, Tracked } from "../relay/mount_state.ts";

/** A remote change as an event or a message announced it: a new revision, or a delete. */
export type RemoteChange = { deleted: false; revision: string | undefined } | { deleted: true };

/** Size and mtime of a local file, as stat saw it. */
export interface LocalStat {
  size: number;
  mtimeMs: number;
}

export class PathTable {
  readonly #state: MountStateDocument;
  readonly #conflicts = new Set<string>();
  readonly #readonly = new Set<string>();
  readonly #deferred = new Map<string, RemoteChange>();
  readonly #behind = new Set<string>();
  readonly #skipped = new Map<string, string>();
  readonly #skippedLocal = new Map<string, string>();
  /** Hash, size and mtime of the bytes an op carries, as seen when it was made (memory only). */
  readonly #observed = new Map<string, LocalStat & { hash: string }>();
  #rejected = 0;
  #changed = false;

  constructor(state: MountStateDocument) {
    this.#state = state;
  }

  /** The document `mount-state.json` holds (for saving). */
  get document(): Readonly<MountStateDocument> {
    return this.#state;
  }

  get size(): number {
    return Object.keys(this.#state.files).length;
  }

  get(path: string): Tracked | undefined {
    return this.#state.files[path];
  }

  has(path: string): boolean {
    return path in this.#state.files;
  }

  paths(): string[] {
    return Object.keys(this.#state.files);
  }

  files(): Readonly<Record<string, Tracked>> {
    return this.#state.files;
  }

  /** The revision the server has for `path` as far as the mount knows. */
  baseRevision(path: string): string | null {
    return this.#state.files[path]?.revision ?? null;
  }

  /** Already tracked at this revision (our own write, or a change already fetched): nothing to fetch. */
  isTrackedAt(path: string, revision: string | undefined): boolean {
    return revision !== undefined && revision !== "" && this.#state.files[path]?.revision === revision;
  }

  track(path: string, revision: string, hash: string, contentType: string, stat?: LocalStat): void {
    this.#state.files[path] = { revision, hash, contentType, size: stat?.size ?? -1, mtimeMs: stat?.mtimeMs ?? -1 };
    this.#changed = true;
  }

  forget(path: string): void {
    delete this.#state.files[path];
    this.#changed = true;
  }

  get cursor(): string | null {
    return this.#state.eventsCursor;
  }

  set cursor(cursor: string | null) {
    if (cursor === this.#state.eventsCursor) return;
    this.#state.eventsCursor = cursor;
    this.#changed = true;
  }

  get lastEventAt(): string | null {
    return this.#state.lastEventAt;
  }

  set lastEventAt(at: string | null) {
    this.#state.lastEventAt = at;
  }

  markConflict(path: string): void {
    this.#conflicts.add(path);
  }

  /** The conflicted paths are these (read from the conflict copies on disk). */
  setConflicts(paths: Iterable<string>): void {
    this.#conflicts.clear();
    for (const path of paths) this.#conflicts.add(path);
  }

  get conflicts(): ReadonlySet<string> {
    return this.#conflicts;
  }

  markReadonly(path: string): void {
    this.#readonly.add(path);
  }

  get readonly(): ReadonlySet<string> {
    return this.#readonly;
  }

  /** A remote change of `path` waits for its upload in flight to settle (the latest change is kept). */
  defer(path: string, change: RemoteChange): void {
    this.#deferred.set(path, change);
  }

  /**
   * The server's version of `path` may not be here: taking in what the queue delivered for it failed (the server
   * failed the read that follows a conflict, say), and its events are behind the cursor. The next pull reads it again.
   */
  markBehind(path: string): void {
    this.#behind.add(path);
  }

  get behind(): ReadonlySet<string> {
    return this.#behind;
  }

  /** These paths were read again. */
  caughtUp(paths: Iterable<string>): void {
    for (const path of paths) this.#behind.delete(path);
  }

  /** The latest deferred remote change of `path`, once. */
  takeDeferred(path: string): RemoteChange | undefined {
    const change = this.#deferred.get(path);
    this.#deferred.delete(path);
    return change;
  }

  observe(path: string, seen: LocalStat & { hash: string }): void {
    this.#observed.set(path, seen);
  }

  observed(path: string): (LocalStat & { hash: string }) | undefined {
    return this.#observed.get(path);
  }

  forgetObserved(path: string, hash: string | null): void {
    if (this.#observed.get(path)?.hash === hash) this.#observed.delete(path);
  }

  /** A remote path the folder cannot hold (its name, or a file/folder clash): skipped, with why. */
  skip(path: string, reason: string): void {
    this.#setReason(this.#skipped, path, reason);
  }

  unskip(path: string): void {
    if (this.#skipped.delete(path)) this.#changed = true;
  }

  get skipped(): ReadonlyMap<string, string> {
    return this.#skipped;
  }

  /** A local file (by its path in the folder) the server cannot take under its name: not sent, with why. */
  skipLocal(relativePath: string, reason: string): void {
    this.#setReason(this.#skippedLocal, relativePath, reason);
  }

  unskipLocal(relativePath: string): void {
    if (this.#skippedLocal.delete(relativePath)) this.#changed = true;
  }

  get skippedLocal(): ReadonlyMap<string, string> {
    return this.#skippedLocal;
  }

  #setReason(reasons: Map<string, string>, path: string, reason: string): void {
    if (reasons.get(path) === reason) return;
    reasons.set(path, reason);
    this.#changed = true;
  }

  /** A remote path refused because it would leave the folder. */
  reject(): void {
    this.#rejected++;
  }

  get rejected(): number {
    return this.#rejected;
  }

  /** True once since the last call when tracked state changed (the caller saves it). */
  takeChanged(): boolean {
    const changed = this.#changed;
    this.#changed = false;
    return changed;
  }

  /** Marks the state as changed (something the caller wants saved). */
  touch(): void {
    this.#changed = true;
  }
}
