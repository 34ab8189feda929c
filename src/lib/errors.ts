/** Exit codes shared by every command (design.md, "Exit codes"). */
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

export interface RelayfileErrorOptions {
  cause?: unknown;
  /** One line telling the user what to do next, printed as `hint: …`. */
  hint?: string;
}

/** Base of every error a command reports to the user; carries its exit code. */
export class RelayfileError extends Error {
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;

  constructor(message: string, exitCode: ExitCode, options: RelayfileErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "RelayfileError";
    this.exitCode = exitCode;
    this.hint = options.hint;
  }
}

/** A flag or argument the user got wrong. */
export class UsageError extends RelayfileError {
  constructor(message: string, options: RelayfileErrorOptions = {}) {
    super(message, ExitCode.usage, options);
    this.name = "UsageError";
  }
}

/** The workspace or folder given does not lead to a mount on this machine. */
export class MountNotFoundError extends RelayfileError {
  constructor(message: string, options: RelayfileErrorOptions = {}) {
    super(message, ExitCode.failed, options);
    this.name = "MountNotFoundError";
  }
}

/** No writeback op with the given id exists where it was looked for. */
export class OpNotFoundError extends RelayfileError {
  readonly opId: string;

  constructor(opId: string, message: string, options: RelayfileErrorOptions = {}) {
    super(message, ExitCode.failed, options);
    this.name = "OpNotFoundError";
    this.opId = opId;
  }
}

/** A file on disk (record, config, state) that cannot be read or does not match its format. */
export class InvalidRecordError extends RelayfileError {
  readonly path: string;

  constructor(path: string, message: string, options: RelayfileErrorOptions = {}) {
    super(message, ExitCode.failed, options);
    this.name = "InvalidRecordError";
    this.path = path;
  }
}

/** The operation cannot be carried out in the current state (missing payload, path outside the mount…). */
export class CannotError extends RelayfileError {
  constructor(message: string, options: RelayfileErrorOptions = {}) {
    super(message, ExitCode.failed, options);
    this.name = "CannotError";
  }
}

/** `--wait` ran out of time. */
export class WaitTimeoutError extends RelayfileError {
  constructor(message: string, options: RelayfileErrorOptions = {}) {
    super(message, ExitCode.timeout, options);
    this.name = "WaitTimeoutError";
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
