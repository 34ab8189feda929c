/**
 * The queue's in-memory table: every op still to be sent (or on its way) by id, the live (newest) op of each path,
 * and the path being sent. The one owner of these facts; the mount asks it through the queue.
 */
import type { WritebackOp } from "./op.ts";
import { isDue, type PathSending, SAME_PATH_SPACING_MS } from "./scheduler.ts";

export interface OpCounts {
  pending: number;
  inFlight: number;
  retryWait: number;
}

export class OpTable {
  readonly #ops = new Map<string, WritebackOp>();
  /** The live op of each path (at most one): `opFor` is on the mount's hot paths. */
  readonly #byPath = new Map<string, string>();
  /** The op of each path that is in flight: an index of `state === "in_flight"` (a superseded op may still be). */
  readonly #inFlight = new Map<string, string>();
  /** When an op of each path last went in flight, while that is recent enough to space the next send. */
  readonly #sentAt = new Map<string, number>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  get size(): number {
    return this.#ops.size;
  }

  has(opId: string): boolean {
    return this.#ops.has(opId);
  }

  values(): IterableIterator<WritebackOp> {
    return this.#ops.values();
  }

  /** Adds or replaces an op; a new op of a path becomes its live op. */
  put(op: WritebackOp): void {
    const previous = this.#ops.get(op.opId);
    this.#ops.set(op.opId, op);
    if (!previous) this.#byPath.set(op.path, op.opId);
    if (op.state === "in_flight") {
      if (this.#inFlight.get(op.path) !== op.opId) this.#sentAt.set(op.path, this.#now());
      this.#inFlight.set(op.path, op.opId);
    } else if (this.#inFlight.get(op.path) === op.opId) this.#inFlight.delete(op.path);
  }

  drop(op: WritebackOp): void {
    this.#ops.delete(op.opId);
    if (this.#byPath.get(op.path) === op.opId) this.#byPath.delete(op.path);
    if (this.#inFlight.get(op.path) === op.opId) this.#inFlight.delete(op.path);
  }

  /** The live op of a path, if any. */
  opFor(path: string): WritebackOp | undefined {
    const opId = this.#byPath.get(path);
    return opId === undefined ? undefined : this.#ops.get(opId);
  }

  /** Paths with a live op. */
  queuedPaths(): IterableIterator<string> {
    return this.#byPath.keys();
  }

  isInFlight(path: string): boolean {
    return this.#inFlight.has(path);
  }

  sending(path: string): PathSending {
    return { inFlight: this.#inFlight.has(path), sentAt: this.#sentAt.get(path) };
  }

  due(now: number): WritebackOp[] {
    for (const [path, at] of this.#sentAt) if (now - at >= SAME_PATH_SPACING_MS) this.#sentAt.delete(path);
    return [...this.#ops.values()].filter((op) => isDue(op, now, this.sending(op.path)));
  }

  /** Nothing to send now or in a moment (ops waiting for a retry do not count) and nothing on its way. */
  idle(now: number): boolean {
    if (this.#inFlight.size > 0) return false;
    for (const op of this.#ops.values()) if (op.state === "pending") return false;
    return this.due(now).length === 0;
  }

  counts(): OpCounts {
    let pending = 0;
    let retryWait = 0;
    let inFlight = 0;
    for (const op of this.#ops.values()) {
      if (op.state === "in_flight") inFlight++;
      else if (this.#inFlight.has(op.path)) continue;
      else if (op.state === "retry_wait") retryWait++;
      else pending++;
    }
    return { pending, inFlight, retryWait };
  }
}
