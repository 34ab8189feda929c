/**
 * A periodic job: runs `job` every `ms`, never two at once (a tick while it runs is skipped), logging its failures;
 * `stop()` waits for a running one.
 */
import type { Log } from "../lib/log.ts";
export interface Periodic {
  /** Runs the job now (after a running one), outside the period. */
  now(): Promise<void>;
  stop(): Promise<void>;
}

export function every(ms: number, name: string, job: () => Promise<void>, log: Log): Periodic {
  let running: Promise<void> | undefined;
  let stopped = false;
  const run = (): Promise<void> => {
    if (stopped) return running ?? Promise.resolve();
    if (running) return running.then(run);
    running = job()
      .catch((error) => log(`${name} failed: ${error instanceof Error ? error.message : error}`))
      .finally(() => running = undefined);
    return running;
  };
  const timer = setInterval(() => {
    if (!running) run();
  }, ms);
  return {
    now: run,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
