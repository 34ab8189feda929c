import { locateEnclosingMount, locateMount, type MountLocation } from "../config/mod.ts";
import { UsageError } from "../lib/errors.ts";
import { loadWritebackSnapshot, type WritebackSnapshot } from "../inspect/mod.ts";
import type { CliIo } from "./_io.ts";

export interface TargetOptions {
  dir?: string;
  workspace?: string;
}

export interface WritebackTarget {
  mountDir: string;
  workspaceId: string;
  workspaceName?: string | undefined;
  /** The server the catalog recorded for the mount, if any. */
  server?: string | undefined;
  snapshot: WritebackSnapshot;
}

/** Finds the mount named by `--dir`, `--workspace` or WORKSPACE, and reads its writeback state. */
export async function openWritebackTarget(
  io: CliIo,
  options: TargetOptions,
  positionalWorkspace: string | undefined,
): Promise<WritebackTarget> {
  if (options.workspace !== undefined && positionalWorkspace !== undefined) {
    throw new UsageError(`WORKSPACE given twice: "${positionalWorkspace}" and --workspace "${options.workspace}"`);
  }
  if (options.dir !== undefined && (options.workspace ?? positionalWorkspace) !== undefined) {
    throw new UsageError("pass either --dir PATH or a workspace, not both");
  }
  const location = await locateMount(
    { dir: options.dir, workspace: options.workspace ?? positionalWorkspace },
    { env: io.env, cwd: io.cwd },
  );
  return await targetAt(location);
}

/** The mount that holds the file `path`, or the one `--dir` names. */
export async function openWritebackTargetOf(
  io: CliIo,
  path: string,
  dir: string | undefined,
): Promise<WritebackTarget> {
  const context = { env: io.env, cwd: io.cwd };
  return await targetAt(
    dir !== undefined ? await locateMount({ dir }, context) : await locateEnclosingMount(path, context),
  );
}

async function targetAt(location: MountLocation): Promise<WritebackTarget> {
  const snapshot = await loadWritebackSnapshot(location.dir);
  return {
    mountDir: location.dir,
    workspaceId: location.workspaceId ?? snapshot.state?.workspaceId ?? "",
    workspaceName: location.workspaceName,
    server: location.server,
    snapshot,
  };
}
