/** A real mount (runMount) on a temp folder against a real server, stopped at the end of the test. */
import { join } from "node:path";
import { fixedToken, type MountSummary, runMount } from "../../src/mount/mod.ts";
import type { RetryPolicy } from "../../src/writeback/policy.ts";
import { readTextOrUndefined, waitForFirstSync } from "../support/wait.ts";

export interface RunningMount extends AsyncDisposable {
  dir: string;
  logs: string[];
  local(path: string): Promise<string | undefined>;
  write(path: string, content: string): Promise<void>;
  stop(): Promise<MountSummary>;
}

export interface MountTestOptions {
  url: string;
  workspace: string;
  token: string;
  dir: string;
  websocket?: boolean;
  intervalMs?: number;
  remoteRoot?: string;
  policy?: RetryPolicy;
  drainTimeoutMs?: number;
}

export function startMount(options: MountTestOptions): RunningMount {
  const controller = new AbortController();
  const logs: string[] = [];
  const running = runMount({
    mountDir: options.dir,
    server: options.url,
    workspace: options.workspace,
    remoteRoot: options.remoteRoot ?? "/",
    tokens: fixedToken(options.token),
    intervalMs: options.intervalMs ?? 60_000,
    websocket: options.websocket ?? true,
    once: false,
    drainTimeoutMs: options.drainTimeoutMs ?? 5_000,
    signal: controller.signal,
    log: (line) => logs.push(line),
    ...(options.policy ? { policy: options.policy } : {}),
  });
  running.catch(() => {}); // a mount that stops by itself (its lock taken) rejects before stop() is called
  let stopped: Promise<MountSummary> | undefined;
  const stop = () => stopped ??= (controller.abort(), running);
  return {
    dir: options.dir,
    logs,
    local: (path) => readTextOrUndefined(join(options.dir, path)),
    write: async (path, content) => {
      const file = join(options.dir, path);
      await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(file, content);
    },
    stop,
    [Symbol.asyncDispose]: async () => {
      await stop().catch(() => {});
    },
  };
}

/** Waits until the mount has finished its initial sync. */
export function mountReady(mount: RunningMount): Promise<void> {
  return waitForFirstSync(mount.dir);
}
