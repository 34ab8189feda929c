/**
 * `Deno.watchFs` as hints: changed paths, relative to the mount, settled for a moment (editors save through a temp
 * file and a rename; one action makes several events) and handed over as one set. Hints can be missing — the caller
 * rescans folders and runs periodic full scans — so nothing here decides what changed.
 */
import { join, relative, sep } from "node:path";
import { BUILT_IN_RULES, type IgnoreRules } from "./ignore.ts";
import { isNamedPipe } from "./local_fs.ts";

export interface WatchOptions {
  /** Quiet time before a batch is handed over. */
  settleMs?: number;
  /** A batch is handed over after this long even if events keep coming. */
  maxWaitMs?: number;
  /** Paths that are never synced: no hint for them. */
  rules?: IgnoreRules;
  /**
   * The watcher could not start, or missed part of the folder (the system's limit of watched folders, most often):
   * hints are then missing for some or all paths, and only the periodic scans see their changes.
   */
  onError?: (error: unknown) => void;
  /** Starts watching `root` recursively: `Deno.watchFs` (a stand-in in tests, to make it fail). */
  watch?: (root: string) => Deno.FsWatcher;
}

export class LocalWatcher {
  readonly #root: string;
  readonly #onHints: (paths: Set<string>) => void;
  readonly #settleMs: number;
  readonly #maxWaitMs: number;
  readonly #rules: IgnoreRules;
  readonly #onError: (error: unknown) => void;
  readonly #watch: (root: string) => Deno.FsWatcher;
  #watcher: Deno.FsWatcher | undefined;
  #loop: Promise<void> | undefined;
  #pending = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #firstEventAt = 0;

  constructor(root: string, onHints: (paths: Set<string>) => void, options: WatchOptions = {}) {
    this.#root = root;
    this.#onHints = onHints;
    this.#settleMs = options.settleMs ?? 8;
    this.#maxWaitMs = options.maxWaitMs ?? 100;
    this.#rules = options.rules ?? BUILT_IN_RULES;
    this.#onError = options.onError ?? (() => {});
    this.#watch = options.watch ?? ((root) => Deno.watchFs(root, { recursive: true }));
  }

  start(): void {
    try {
      this.#watcher = this.#watch(this.#root);
    } catch (error) {
      return this.#onError(error);
    }
    const events = this.#watcher[Symbol.asyncIterator]();
    this.#loop = (async () => {
      for (;;) {
        let next: IteratorResult<Deno.FsEvent>;
        try {
          next = await events.next();
        } catch (error) {
          // One error (a folder it could not add) does not end the events of every other folder.
          this.#onError(error);
          continue;
        }
        if (next.done) return; // closed
        for (const path of next.value.paths) this.#hint(path);
      }
    })();
  }

  async close(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    // Deno's watcher opens each path it reports (to compare it with the watched one), and opening a named pipe waits
    // for a writer: a pipe in the folder holds the watcher's thread, and closing the watcher then holds the whole
    // process. Opened here for reading and writing, which never waits, each pipe lets that open through.
    const pipes = openNamedPipes(this.#root);
    try {
      try {
        this.#watcher?.close();
      } catch {
        // already closed
      }
      await this.#loop;
    } finally {
      for (const pipe of pipes) pipe.close();
    }
  }

  #hint(absolute: string): void {
    const path = relative(this.#root, absolute).split(sep).join("/");
    if (path === "" || path.startsWith("..") || this.#rules.ignores(path)) return;
    if (this.#pending.size === 0) this.#firstEventAt = Date.now();
    this.#pending.add(path);
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const waited = Date.now() - this.#firstEventAt;
    this.#timer = setTimeout(() => this.#flush(), Math.max(0, Math.min(this.#settleMs, this.#maxWaitMs - waited)));
  }

  #flush(): void {
    this.#timer = undefined;
    const batch = this.#pending;
    this.#pending = new Set();
    if (batch.size > 0) this.#onHints(batch);
  }
}

/** Every named pipe below `root`, ignored folders included (the watcher watches them too), opened to read and write. */
function openNamedPipes(root: string): Deno.FsFile[] {
  const opened: Deno.FsFile[] = [];
  const visit = (folder: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(folder)];
    } catch {
      return; // gone meanwhile, or not readable: the watcher has no events from it either
    }
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory) visit(path);
      else if (!entry.isFile && !entry.isSymlink && isNamedPipe(path)) {
        try {
          opened.push(Deno.openSync(path, { read: true, write: true }));
        } catch {
          // gone meanwhile
        }
      }
    }
  };
  visit(root);
  return opened;
}
