/** Live events for WebSocket subscribers, per workspace. Published after the write's transaction commits. */
import type { StoredEvent } from "./store.ts";

export type EventListener = (event: StoredEvent) => void;

export class EventHub {
  readonly #listeners = new Map<string, Set<EventListener>>();

  subscribe(workspace: string, listener: EventListener): () => void {
    let set = this.#listeners.get(workspace);
    if (!set) this.#listeners.set(workspace, set = new Set());
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(workspace);
    };
  }

  publish(workspace: string, events: readonly StoredEvent[]): void {
    const set = this.#listeners.get(workspace);
    if (!set) return;
    for (const event of events) for (const listener of set) listener(event);
  }
}
