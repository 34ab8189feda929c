/** The live writeback queue: ops, their pure life and policy, the circuit breaker, and the queue that sends them. */
export * from "./op.ts";
export * from "./policy.ts";
export { type LocalChange, type QueueCounts, WritebackQueue } from "./queue.ts";
