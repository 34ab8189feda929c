/**
 * `<mount>/.relay/mount-state.json`, private to the mount: what each path was at the last sync (revision and hash,
 * plus size and mtime so an unchanged file is not re-hashed) and the events cursor. The one owner of that format.
 */
import { z } from "zod";
import { writeFileAtomic } from "../lib/atomic_write.ts";
import { PRIVATE } from "./private.ts";
import { relayPaths } from "./relay_dir.ts";

const TrackedSchema = z.object({
  revision: z.string(),
  hash: z.string(),
  contentType: z.string(),
  size: z.number(),
  mtimeMs: z.number(),
});

const MountStateSchema = z.object({
  schemaVersion: z.literal(1),
  workspaceId: z.string(),
  remoteRoot: z.string(),
  eventsCursor: z.string().nullable(),
  lastEventAt: z.string().nullable().default(null),
  files: z.record(z.string(), TrackedSchema),
});

export type Tracked = z.infer<typeof TrackedSchema>;
export type MountStateDocument = z.infer<typeof MountStateSchema>;

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
  let parsed: z.ZodSafeParseResult<MountStateDocument>;
  try {
    parsed = MountStateSchema.safeParse(JSON.parse(text));
  } catch {
    return { state: fresh, reset: "mount-state.json is not JSON" };
  }
  if (!parsed.success) return { state: fresh, reset: "mount-state.json does not match its format" };
  if (parsed.data.workspaceId !== workspaceId || parsed.data.remoteRoot !== remoteRoot) {
    return { state: fresh, reset: "the folder was mounted for another workspace or remote path" };
  }
  return { state: parsed.data };
}

/** The stored state as it is, whatever workspace it is of; `undefined` when absent or unreadable. */
export async function readMountState(mountDir: string): Promise<MountStateDocument | undefined> {
  try {
    const parsed = MountStateSchema.safeParse(JSON.parse(await Deno.readTextFile(relayPaths(mountDir).mountState)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function saveMountState(mountDir: string, state: MountStateDocument): Promise<void> {
  return writeFileAtomic(relayPaths(mountDir).mountState, JSON.stringify(state) + "\n", PRIVATE);
}
