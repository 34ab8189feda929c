/**
 * The errors the library throws, by what went wrong. They carry no exit code: `commands/` decides what each means
 * for the process (`commands/_exit_codes.ts`).
 */

export interface RelayfileErrorOptions {
  cause?: unknown;
  /** One line telling the user what to do next, printed as `hint: …`. */
  hint?: string;
}

/** Base of every error a command reports to the user as `error: <message>` and `hint: <hint>`. */
export class RelayfileError extends Error {
  readonly hint: string | undefined;

  constructor(message: string, options: RelayfileErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "RelayfileError";
    this.hint = options.hint;
  }
}

/** A flag or argument the user got wrong. */
export class UsageError extends RelayfileError {
  override name = "UsageError";
}

/** The workspace or folder given does not lead to a mount on this machine. */
export class MountNotFoundError extends RelayfileError {
  override name = "MountNotFoundError";
}

/** No writeback op with the given id exists where it was looked for. */
export class OpNotFoundError extends RelayfileError {
  readonly opId: string;

  constructor(opId: string, message: string, options: RelayfileErrorOptions = {}) {
    super(message, options);
    this.name = "OpNotFoundError";
    this.opId = opId;
  }
}

/** A file on disk (record, config, state) that cannot be read or does not match its format. */
export class InvalidRecordError extends RelayfileError {
  readonly path: string;

  constructor(path: string, message: string, options: RelayfileErrorOptions = {}) {
    super(message, options);
    this.name = "InvalidRecordError";
    this.path = path;
  }
}

/** The operation cannot be carried out in the current state (missing payload, path outside the mount…). */
export class PreconditionError extends RelayfileError {
  override name = "PreconditionError";
}

/** `--wait` ran out of time. */
export class WaitTimeoutError extends RelayfileError {
  override name = "WaitTimeoutError";
}

/** Another mount is running on the folder. */
export class MountBusyError extends RelayfileError {
  override name = "MountBusyError";
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The mount's folder was removed or replaced while it ran: it stops rather than send the deletes that look like. */
export class MountFolderGoneError extends RelayfileError {
  override name = "MountFolderGoneError";
}
