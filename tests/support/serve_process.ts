/** `relayfile serve` as a real subprocess, with the compile task's permissions and a cleared environment. */
import { relayfileCommand } from "./cli.ts";

export interface ServeProcess extends AsyncDisposable {
  url: string;
  token: string;
  workspace: string;
  dataDir: string;
  child: Deno.ChildProcess;
  /** Sends a signal and resolves with the exit status (and what was left on stderr). */
  stop(signal?: Deno.Signal): Promise<{ code: number; signal: string | null; stderr: string }>;
}

export async function startServeProcess(dataDir: string, extraArgs: string[] = []): Promise<ServeProcess> {
  const child = relayfileCommand(["serve", "--addr", "127.0.0.1:0", "--data", dataDir, ...extraArgs], {
    env: { HOME: dataDir },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderrText = new Response(child.stderr).text();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  while (!/^token: .+\n/m.test(buffered)) {
    const { value, done } = await lines.read();
    if (done) {
      const status = await child.status;
      throw new Error(`relayfile serve exited ${status.code} before it was ready: ${await stderrText}${buffered}`);
    }
    buffered += value;
  }
  // Keep draining stdout so the child never blocks on a full pipe.
  const drained = (async () => {
    while (!(await lines.read()).done) { /* discard */ }
  })();
  const field = (name: string) => new RegExp(`^${name}: (.+)$`, "m").exec(buffered)?.[1] ?? "";
  const url = /^listening on (\S+)$/m.exec(buffered)?.[1] ?? "";
  let stopped: Promise<{ code: number; signal: string | null; stderr: string }> | undefined;
  const stop = (signal: Deno.Signal = "SIGTERM") =>
    stopped ??= (async () => {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
      const status = await child.status;
      await drained;
      return { code: status.code, signal: status.signal, stderr: await stderrText };
    })();
  return {
    url,
    token: field("token"),
    workspace: field("workspace"),
    dataDir,
    child,
    stop,
    [Symbol.asyncDispose]: async () => {
      await stop("SIGKILL");
    },
  };
}

/** A small client for a running server. */
export function apiClient(url: string, workspace: string, token: string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}/v1/workspaces/${workspace}/${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "x-correlation-id": `test_${crypto.randomUUID()}`, ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    // deno-lint-ignore no-explicit-any
    return { status: response.status, json: (text ? JSON.parse(text) : undefined) as any };
  };
}
