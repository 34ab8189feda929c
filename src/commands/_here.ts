/**
 * Working on a mount's queue from a command: whether a mount of the folder is running (then it does the work), the
 * server and token this folder syncs with, and one session of the queue run here when no mount is. Loads no mount
 * code until a session is run, so `writeback status` stays light.
 */
import { configDir, readCredentials } from "../config/mod.ts";
import { MountBusyError } from "../lib/errors.ts";
import type { Log } from "../lib/log.ts";
import { isDaemonAlive, readDaemonMarker, readMountState } from "../relay/mod.ts";
import { requireJwt, serverUrl } from "./_checked_input.ts";
import type { CliIo } from "./_io.ts";
import type { WritebackTarget } from "./_writeback_target.ts";

/** True while a mount of the folder beats its heartbeat: work on its queue is handed to it. */
export async function mountIsRunning(io: CliIo, mountDir: string): Promise<boolean> {
  return isDaemonAlive(await readDaemonMarker(mountDir), io.now().getTime());
}

/** The server, token and workspace of a mount folder: the catalog's server, else the environment, else credentials. */
export async function serverAccess(
  io: CliIo,
  target: WritebackTarget,
): Promise<{ server: string; token: string; workspace: string } | undefined> {
  const stored = await readCredentials(configDir(io.env, io.cwd)).catch(() => undefined);
  const server = target.server || io.env.RELAYFILE_SERVER || io.env.RELAYFILE_BASE_URL || stored?.server;
  const token = io.env.RELAYFILE_TOKEN?.trim() || stored?.token?.trim();
  const workspace = target.workspaceId;
  if (!server || !token || !workspace) return undefined;
  const tokenFrom = io.env.RELAYFILE_TOKEN?.trim() ? "RELAYFILE_TOKEN" : "the credentials file";
  return { server: serverUrl(server, "the mount's server"), token: requireJwt(token, tokenFrom), workspace };
}

/** What a session run here is asked to do (see `runPush`). */
export interface SessionWork {
  relativePaths: readonly string[];
  deadline: number;
  awaitReceipts: boolean;
  log?: Log;
}

/**
 * Runs one session of the folder's queue here, with the workspace and remote root of the mount's own state. Returns
 * `undefined` without a server and token; else a promise of `true` when it ran, `false` when a mount took the folder
 * first (the caller hands its work to that mount).
 */
export async function runSessionHere(
  io: CliIo,
  target: WritebackTarget,
  work: SessionWork,
): Promise<{ finished: Promise<boolean> } | undefined> {
  const access = await serverAccess(io, target);
  if (!access) return undefined;
  const [state, { runPush }, { fixedToken }] = await Promise.all([
    readMountState(target.mountDir),
    import("../mount/push.ts"),
    import("../mount/token_source.ts"),
  ]);
  const finished = runPush({
    mountDir: target.mountDir,
    server: access.server,
    workspace: state?.workspaceId ?? access.workspace,
    remoteRoot: state?.remoteRoot ?? target.snapshot.state?.remoteRoot ?? "/",
    tokens: fixedToken(access.token),
    log: work.log ?? (() => {}),
    relativePaths: work.relativePaths,
    deadline: work.deadline,
    awaitReceipts: work.awaitReceipts,
  }).then(() => true, (error) => {
    if (error instanceof MountBusyError) return false;
    throw error;
  });
  return { finished };
}
