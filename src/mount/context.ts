/** What every part of the sync engine works with: the folder, the remote root, the client, the path table, the queue. */
import type { Log } from "../lib/log.ts";
import type { RelayfileClient } from "../remote/client.ts";
import type { BaseStore } from "../relay/bases.ts";
import type { WritebackQueue } from "../writeback/queue.ts";
import type { PathFacts } from "./decide.ts";
import type { IgnoreRules } from "./ignore.ts";
import { readLocal } from "./local_fs.ts";
import type { PathTable } from "./tracked.ts";

/** The reads the engine makes (a fake in unit tests). */
export type SyncClient = Pick<
  RelayfileClient,
  | "readFile"
  | "readFiles"
  | "exportFiles"
  | "listFilePaths"
  | "listFiles"
  | "latestEventId"
  | "events"
  | "mergeFile"
>;

/** Where a conflict's local bytes are kept: beside the file (and in `.relay/conflicts/`), or only in `.relay/`. */
export type ConflictCopies = "beside" | "hidden";

export interface SyncContext {
  readonly mountDir: string;
  /** Normalised. */
  readonly remoteRoot: string;
  readonly client: SyncClient;
  readonly paths: PathTable;
  readonly queue: WritebackQueue;
  /** Paths never synced in either direction. */
  readonly rules: IgnoreRules;
  /** The last synced content of text files: the bases of merges. */
  readonly bases: BaseStore;
  /** Where the local bytes of a conflict are kept. */
  readonly conflictCopies: ConflictCopies;
  /** Whether the server has `fs/merge` (until a 404 says it has not). */
  readonly serverMerge: { available: boolean };
  /** May the token write this remote path? */
  writable(path: string): boolean;
  /** The mount folder is still the one the mount started in (see `folder_identity.ts`). */
  folderPresent(): boolean;
  log: Log;
  /** Logs `message` the first time `key` is reported. */
  reportOnce(key: string, message: string): void;
}

/** A logger that says each keyed thing once. */
export function onceReporter(log: Log): (key: string, message: string) => void {
  const reported = new Set<string>();
  return (key, message) => {
    if (reported.has(key)) return;
    reported.add(key);
    log(message);
  };
}

/** What the pure decisions need to know of a path: tracked state, local hash (read unless given), queued op. */
export async function factsOf(
  context: SyncContext,
  path: string,
  relative: string,
  localHash?: string | null,
): Promise<PathFacts> {
  const tracked = context.paths.get(path);
  const hash = localHash !== undefined ? localHash : (await readLocal(context.mountDir, relative))?.hash ?? null;
  const queued = context.queue.opFor(path);
  return {
    tracked: tracked ? { revision: tracked.revision, hash: tracked.hash } : null,
    localHash: hash,
    queued: queued ? { hash: queued.contentHash, inFlight: context.queue.isInFlight(path) } : null,
  };
}
