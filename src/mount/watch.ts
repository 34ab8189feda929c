/**
 * `Deno.watchFs` as hints: changed paths, relative to the mount, settled for a moment (editors save through a temp
 * file and a rename; one action makes several events) and handed over as one set. Hints can be missing — the caller
 * rescans folders and runs periodic full scans — so nothing here decides what changed.
 */
import { relative, sep } from "node:path";
import { BUILT_IN_RULES, type IgnoreRules } from "./ignore.ts";

export interface WatchOptions {
  /** Quiet time before a batch is handed over. */
  settleMs?: number;
  /** A batch is handed over after this long even if events keep coming. */
  maxWaitMs?: number;
  /** Paths that are never synced: no hint for them. */
  rules?: IgnoreRules;
}

export class LocalWatcher {
  readonly #root: string;
  readonly #onHints: (paths: Set<string>) => void;
  readonly #settleMs: number;
  readonly #maxWaitMs: number;
  readonly #rules: IgnoreRules;
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
  }

  start(): void {
    this.#watcher = Deno.watchFs(this.#root, { recursive: true });
    const watcher = this.#watcher;
    this.#loop = (async () => {
      try {
        for await (const event of watcher) {
          for (const path of event.paths) this.#hint(path);
        }
      } catch {
        // The watcher failed or was closed: periodic scans keep the mount correct.
      }
    })();
  }

  async close(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    try {
      this.#watcher?.close();
    } catch {
      // already closed
    }
    await this.#loop;
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
