/**
 * A periodic job: runs `job` every `ms`, never two at once (a tick while it runs is skipped); `stop()` waits for a
 * running one. A failure is logged once while it repeats (a full disk fails every save alike), and so is the recovery.
 */
import { errorMessage } from "../lib/errors.ts";
import type { Log } from "../lib/log.ts";
export interface Periodic {
  /** Runs the job now (after a running one), outside the period. */
  now(): Promise<void>;
  stop(): Promise<void>;
}

export function every(ms: number, name: string, job: () => Promise<void>, log: Log): Periodic {
  let running: Promise<void> | undefined;
  let stopped = false;
  let failing: string | undefined;
  const run = (): Promise<void> => {
    if (stopped) return running ?? Promise.resolve();
    if (running) return running.then(run);
    running = job()
      .then(() => {
        if (failing !== undefined) log(`${name} works again`);
        failing = undefined;
      }, (error) => {
        const message = errorMessage(error);
        if (message !== failing) log(`${name} failed: ${message}`);
        failing = message;
      })
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
