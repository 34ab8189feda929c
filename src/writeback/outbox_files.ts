/**
 * The live queue's hand on `.relay/outbox/`: writes op records (through `relay/outbox.ts`, the owner of the format)
 * and removes settled ones, remembering which are being removed so that adoption never takes them back.
 */
import { mapConcurrent } from "../lib/map_concurrent.ts";
import { removeOp, writeOps } from "../relay/outbox.ts";
import type { WritebackOp } from "./op.ts";

export class OutboxFiles {
  readonly #mountDir: string;
  readonly #removing = new Set<string>();

  constructor(mountDir: string) {
    this.#mountDir = mountDir;
  }

  write(ops: readonly WritebackOp[]): Promise<void> {
    return writeOps(this.#mountDir, ops);
  }

  /** Removes the ops' files, a few at a time; they count as removing from the moment this is called. */
  async remove(ops: readonly Pick<WritebackOp, "opId">[]): Promise<void> {
    for (const op of ops) this.#removing.add(op.opId);
    try {
      await mapConcurrent(ops, 32, (op) => removeOp(this.#mountDir, op.opId));
    } finally {
      for (const op of ops) this.#removing.delete(op.opId);
    }
  }

  isRemoving(opId: string): boolean {
    return this.#removing.has(opId);
  }
}
