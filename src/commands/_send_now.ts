import { configDir, readCredentials } from "../config/mod.ts";
import { fixedToken, runMount } from "../mount/mod.ts";
import { isDaemonAlive, readDaemonMarker, readDeadLetter } from "../relay/mod.ts";
import type { CliIo } from "./_io.ts";
import type { WritebackTarget } from "./_writeback_target.ts";

export type SendOutcome =
  | { kind: "handed-over" }
  | { kind: "no-credentials" }
  | { kind: "sent"; failedAgain: { opId: string; reason: string }[] };

/**
 * Queued ops go out now: a running mount of the folder is left to send them (it takes in new outbox ops within a
 * second); otherwise one sync of the folder is run here, with the server and token found for it.
 */
export async function sendQueuedNow(io: CliIo, target: WritebackTarget, opIds: string[]): Promise<SendOutcome> {
  if (isDaemonAlive(await readDaemonMarker(target.mountDir), io.now().getTime())) return { kind: "handed-over" };
  const stored = await readCredentials(configDir(io.env, io.cwd)).catch(() => undefined);
  const server = target.server || io.env.RELAYFILE_SERVER || io.env.RELAYFILE_BASE_URL || stored?.server;
  const token = io.env.RELAYFILE_TOKEN?.trim() || stored?.token?.trim();
  const workspace = target.workspaceId;
  if (!server || !token || !workspace) return { kind: "no-credentials" };
  await runMount({
    mountDir: target.mountDir,
    server: server.replace(/\/+$/, ""),
    workspace,
    remoteRoot: target.snapshot.state?.remoteRoot ?? "/",
    tokens: fixedToken(token),
    intervalMs: 30_000,
    websocket: false,
    once: true,
    drainTimeoutMs: 30_000,
    signal: new AbortController().signal,
    log: (line) => {
      if (/dead-lettered|conflict|failed/.test(line)) io.stderr(`${line}\n`);
    },
  });
  const failedAgain: { opId: string; reason: string }[] = [];
  for (const opId of opIds) {
    const record = await readDeadLetter(target.mountDir, opId);
    if (record && "entry" in record) failedAgain.push({ opId, reason: record.entry.reason });
  }
  return { kind: "sent", failedAgain };
}
