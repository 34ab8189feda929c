/**
 * The provider side of writeback, modelled so that everything runs on one machine. `auto`: the provider takes
 * every write at once (its op `succeeded`), except paths matching a reject pattern (`dead_lettered`, "rejected by
 * the provider"). `external`: every op stays `pending` until a consumer acknowledges it (`POST writeback/{id}/ack`),
 * as with the reference server's external writeback. Pure.
 */
import { matchesGlob } from "../lib/glob.ts";

export type WritebackMode = "auto" | "external";

export interface ProviderModel {
  mode: WritebackMode;
  /** Globs of paths the provider rejects (in `auto` mode). */
  rejectPaths: readonly string[];
}

export const AUTO_PROVIDER: ProviderModel = { mode: "auto", rejectPaths: [] };

/** The status a new op (or a replayed one) starts with. */
export function providerOutcome(
  model: ProviderModel,
  path: string,
): { status: "succeeded" | "pending" | "dead_lettered"; lastError?: string } {
  if (model.mode === "external") return { status: "pending" };
  if (model.rejectPaths.some((glob) => matchesGlob(path, glob))) {
    return { status: "dead_lettered", lastError: `rejected by the provider: ${path}` };
  }
  return { status: "succeeded" };
}
