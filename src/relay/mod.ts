/** Everything under `<mount>/.relay/`, this project's and the Go tools': one owner for each file's path and format. */
export * from "./classify.ts";
export * from "./entries.ts";
export * from "./records.ts";
export { readOutbox, removeOp, writeOp } from "./outbox.ts";
export { readDeadLetter, readDeadLetters, writeDeadLetter } from "./dead_letter.ts";
export { readGoOutbox } from "./go_outbox.ts";
export { type PublicState, readPublicState, toPublicState } from "./state_file.ts";
export { listConflicts } from "./conflicts.ts";
export { hasBlob, putBlob, readBlob, sha256Hex } from "./blobs.ts";
export { discardDeadLetter } from "./discard.ts";
export { relayPaths } from "./relay_dir.ts";
export type { Problem } from "./_records.ts";
export { readDaemonMarker } from "./mount_lock.ts";
export { isDaemonAlive } from "./heartbeat.ts";
export { requestScan } from "./scan_requests.ts";
export { readMountState } from "./mount_state.ts";
export { readMergeNotes } from "./merge_notes.ts";
export { readDeadLettersCached } from "./dead_letter_index.ts";
