import { dirname, join, resolve } from "node:path";
import { MountNotFoundError, UsageError } from "../lib/errors.ts";
import { configDir } from "./config_dir.ts";
import { readCredentials } from "./credentials.ts";
import { resolveWorkspace } from "./resolve_workspace.ts";
import { workspaceFromToken } from "./token_claims.ts";
import { localDirsOf, readWorkspaces, recordId, type WorkspaceCatalog } from "./workspaces.ts";

export interface MountLocation {
  /** Absolute path of the mount folder. */
  dir: string;
  /** The workspace id, when known from the catalog or the arguments. */
  workspaceId?: string;
  /** The catalog name, when it differs from the id. */
  workspaceName?: string;
  /** The server the catalog recorded for this mount. */
  server?: string;
}

export interface LocateMountOptions {
  /** `--dir PATH`: names the mount folder directly. */
  dir?: string | undefined;
  /** WORKSPACE (or `--workspace`). */
  workspace?: string | undefined;
}

export interface LocateMountContext {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/** Finds the local folder of a mount without credentials or network: `--dir`, else the workspace catalog. */
export async function locateMount(options: LocateMountOptions, context: LocateMountContext): Promise<MountLocation> {
  const config = configDir(context.env, context.cwd);
  if (options.dir !== undefined) {
    const dir = resolve(context.cwd, options.dir);
    await requireMount(dir, `${dir} is not a mount: it has no .relay folder`);
    return { dir, ...catalogFactsOf(await readWorkspaces(config).catch(() => undefined), dir, context.cwd) };
  }
  const catalog = await readWorkspaces(config);
  const needsToken = !options.workspace?.trim() && !context.env.RELAYFILE_WORKSPACE?.trim();
  const { id, record } = resolveWorkspace({
    arg: options.workspace,
    envWorkspace: context.env.RELAYFILE_WORKSPACE,
    tokenWorkspace: needsToken ? await tokenWorkspace(context.env.RELAYFILE_TOKEN, config) : undefined,
    catalog,
  });
  const known = record ? localDirsOf(record).map((dir) => resolve(context.cwd, dir)) : [];
  if (known.length === 0) {
    throw new MountNotFoundError(`workspace ${id} has no local mirror`, {
      hint: `pass --dir PATH, or run relayfile mount DIR --workspace ${id}`,
    });
  }
  const mounts = [];
  for (const dir of known) if (await isMount(dir)) mounts.push(dir);
  if (mounts.length > 1) {
    throw new UsageError(`workspace ${id} is mounted in ${mounts.length} folders: ${mounts.join(", ")}`, {
      hint: "pass --dir PATH to say which one",
    });
  }
  const dir = mounts[0] ?? known.at(-1)!;
  await requireMount(dir, `the local mirror of workspace ${id} is not a mount any more: ${dir}`);
  const name = record?.name && record.name !== id ? record.name : undefined;
  return {
    dir,
    workspaceId: id,
    ...(name ? { workspaceName: name } : {}),
    ...(record?.server ? { server: record.server } : {}),
  };
}

/**
 * The mount folder that holds `path` (a file or folder in it): the nearest folder above it with a `.relay` folder,
 * with what the catalog says of it.
 */
export async function locateEnclosingMount(path: string, context: LocateMountContext): Promise<MountLocation> {
  const start = resolve(context.cwd, path);
  for (let dir = dirname(start);; dir = dirname(dir)) {
    if (await isMount(dir)) {
      const catalog = await readWorkspaces(configDir(context.env, context.cwd)).catch(() => undefined);
      return { dir, ...catalogFactsOf(catalog, dir, context.cwd) };
    }
    if (dirname(dir) === dir) break;
  }
  throw new MountNotFoundError(`${start} is not inside a mount: no folder above it has a .relay folder`, {
    hint: "give a file inside a folder that relayfile mount syncs, or pass --dir with that folder",
  });
}

/** The workspace and server the catalog records for the mount in `dir`, if any record names that folder. */
function catalogFactsOf(
  catalog: WorkspaceCatalog | undefined,
  dir: string,
  cwd: string,
): Omit<MountLocation, "dir"> {
  const record = catalog?.workspaces.find((entry) => localDirsOf(entry).some((known) => resolve(cwd, known) === dir));
  if (!record) return {};
  const id = recordId(record);
  return {
    workspaceId: id,
    ...(record.name !== id ? { workspaceName: record.name } : {}),
    ...(record.server ? { server: record.server } : {}),
  };
}

/**
 * The workspace claim of `RELAYFILE_TOKEN`, else of the stored token. Reading local state never requires
 * credentials, so a missing or unreadable credentials file just means "no claim".
 */
async function tokenWorkspace(envToken: string | undefined, config: string): Promise<string | undefined> {
  if (envToken?.trim()) return workspaceFromToken(envToken);
  const stored = await readCredentials(config).catch(() => undefined);
  return stored?.token ? workspaceFromToken(stored.token) : undefined;
}

/** A folder with a `.relay` folder in it: what this tool and the Go mount leave in a folder they mount. */
async function isMount(dir: string): Promise<boolean> {
  try {
    return (await Deno.stat(join(dir, ".relay"))).isDirectory;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) return false;
    throw error;
  }
}

async function requireMount(dir: string, message: string): Promise<void> {
  if (await isMount(dir)) return;
  throw new MountNotFoundError(message, {
    hint: "pass --dir with the folder given to relayfile mount, or mount this folder first",
  });
}
