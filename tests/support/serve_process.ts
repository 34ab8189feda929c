/** `relayfile serve` as a real subprocess, with the compile task's permissions and a cleared environment. */
import { readServeBanner } from "../../scripts/serve_banner.ts";
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
  const { url, workspace, token, drained } = await readServeBanner(child, stderrText);
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
    token,
    workspace,
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
