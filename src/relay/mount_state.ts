/**
 * `<mount>/.relay/mount-state.json`, private to the mount: what each path was at the last sync (revision and hash,
 * plus size and mtime so an unchanged file is not re-hashed) and the events cursor. The one owner of that format.
 */
import * as v from "valibot";
import { writeFileAtomic } from "../lib/atomic_write.ts";
import { PRIVATE } from "./private.ts";
import { relayPaths } from "./relay_dir.ts";

const TrackedSchema = v.object({
  revision: v.string(),
  hash: v.string(),
  contentType: v.string(),
  size: v.number(),
  mtimeMs: v.number(),
});

const MountStateSchema = v.object({
  schemaVersion: v.literal(1),
  workspaceId: v.string(),
  remoteRoot: v.string(),
  eventsCursor: v.nullable(v.string()),
  lastEventAt: v.optional(v.nullable(v.string()), null),
  files: v.record(v.string(), TrackedSchema),
});

export type Tracked = v.InferOutput<typeof TrackedSchema>;
export type MountStateDocument = v.InferOutput<typeof MountStateSchema>;

export interface LoadedMountState {
  state: MountStateDocument;
  /** Why the stored state was not used (unreadable, or of another workspace or root): a full pull rebuilds it. */
  reset?: string;
}

export async function loadMountState(
  mountDir: string,
  workspaceId: string,
  remoteRoot: string,
): Promise<LoadedMountState> {
  const fresh: MountStateDocument = {
    schemaVersion: 1,
    workspaceId,
    remoteRoot,
    eventsCursor: null,
    lastEventAt: null,
    files: {},
  };
  let text: string;
  try {
    text = await Deno.readTextFile(relayPaths(mountDir).mountState);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { state: fresh };
    throw error;
  }
  let parsed: v.SafeParseResult<typeof MountStateSchema>;
  try {
    parsed = v.safeParse(MountStateSchema, JSON.parse(text));
  } catch {
    return { state: fresh, reset: "mount-state.json is not JSON" };
  }
  if (!parsed.success) return { state: fresh, reset: "mount-state.json does not match its format" };
  if (parsed.output.workspaceId !== workspaceId || parsed.output.remoteRoot !== remoteRoot) {
    return { state: fresh, reset: "the folder was mounted for another workspace or remote path" };
  }
  return { state: parsed.output };
}

/** The stored state as it is, whatever workspace it is of; `undefined` when absent or unreadable. */
export async function readMountState(mountDir: string): Promise<MountStateDocument | undefined> {
  try {
    const parsed = v.safeParse(MountStateSchema, JSON.parse(await Deno.readTextFile(relayPaths(mountDir).mountState)));
    return parsed.success ? parsed.output : undefined;
  } catch {
    return undefined;
  }
}

export function saveMountState(mountDir: string, state: MountStateDocument): Promise<void> {
  return writeFileAtomic(relayPaths(mountDir).mountState, JSON.stringify(state) + "\n", PRIVATE);
}
