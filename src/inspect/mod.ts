/**
 * The offline writeback kit: reads a mount's `.relay/` (any implementation's) into a snapshot, reports on it
 * (`status`, `list`, pure) and repairs it (`retry`). No daemon needed.
 */
export { loadWritebackSnapshot, type WritebackSnapshot } from "./snapshot.ts";
export * from "./status.ts";
export * from "./path_status.ts";
export * from "./list.ts";
export { retryDeadLetter, type RetryOutcome, type RetryPayloadSource } from "./retry.ts";
