/** Exit codes shared by every command (design.md, "Exit codes"), and what each library error means for them. */
import { UsageError, WaitTimeoutError } from "../lib/errors.ts";

export const ExitCode = {
  /** Done; for `status`: nothing actionable. */
  ok: 0,
  /** Actionable failures present (dead-lettered ops, a retry that failed again). */
  actionable: 1,
  /** Usage error: unknown flag, missing argument, bad value. */
  usage: 2,
  /** Could not do it: unknown op, invalid record, no such mount, unreachable server, denied. */
  failed: 3,
  /** `--wait` ran out of time. */
  timeout: 4,
} as const;

export type ExitCode = typeof ExitCode[keyof typeof ExitCode];

/** The exit code of a command that failed with `error`. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof UsageError) return ExitCode.usage;
  if (error instanceof WaitTimeoutError) return ExitCode.timeout;
  return ExitCode.failed;
}
