import { RelayfileClient } from "../remote/client.ts";
import { HttpError } from "../remote/errors.ts";
import { readDeadLetter } from "../relay/mod.ts";
import { mountIsRunning, serverAccess } from "./_here.ts";
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
  if (await mountIsRunning(io, target.mountDir)) return { kind: "handed-over" };
  const access = await serverAccess(io, target);
  if (!access) return { kind: "no-credentials" };
  const { server, token, workspace } = access;
  const { fixedToken, runMount } = await import("../mount/mod.ts");
  await runMount({
    mountDir: target.mountDir,
    server,
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

/**
 * Asks the server to send a provider-refused op to the provider again (`ops/{id}/replay`). `replayed`, or why not:
 * the token may not (`forbidden`), the server cannot (no such op, not dead-lettered there), or no access here.
 */
export async function replayOnServer(
  io: CliIo,
  target: WritebackTarget,
  serverOpId: string,
): Promise<"replayed" | "forbidden" | "refused" | "no-credentials"> {
  const access = await serverAccess(io, target);
  if (!access) return "no-credentials";
  const client = new RelayfileClient({
    baseUrl: access.server,
    workspace: access.workspace,
    token: () => access.token,
  });
  try {
    await client.replayOp(serverOpId);
    return "replayed";
  } catch (error) {
    if (error instanceof HttpError && (error.status === 403 || error.status === 401)) return "forbidden";
    if (error instanceof HttpError) return "refused";
    throw error;
  }
}
