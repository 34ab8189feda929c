/**
 * The running mount's own status, pure (time passed in): the listener, the last pull's outcome. It feeds
 * `state.json` beside the path table and the queue's counts.
 */
import { HttpError, NetworkError } from "../remote/errors.ts";

export type ListenerStatus = "listening" | "reconnecting" | "polling";

export interface LastError {
  kind: string;
  statusCode?: number;
  message: string;
  at: string;
}

export interface MountStatus {
  listener: ListenerStatus;
  lastReconcileAt: string | null;
  lastSuccessfulReconcileAt: string | null;
  lastError: LastError | null;
}

export function initialStatus(listener: ListenerStatus): MountStatus {
  return { listener, lastReconcileAt: null, lastSuccessfulReconcileAt: null, lastError: null };
}

export function pullStarted(status: MountStatus, now: number): MountStatus {
  return { ...status, lastReconcileAt: new Date(now).toISOString() };
}

export function pullSucceeded(status: MountStatus): MountStatus {
  return { ...status, lastSuccessfulReconcileAt: status.lastReconcileAt, lastError: null };
}

export function pullFailed(status: MountStatus, error: unknown, now: number): MountStatus {
  return { ...status, lastError: errorState(error, now) };
}

/**
 * The request was stopped because the mount is stopping: neither the server's doing nor a reason to say offline, so
 * a pull that fails this way leaves no mark on the status.
 */
export function stoppedOnPurpose(error: unknown): boolean {
  return error instanceof NetworkError && error.stopped;
}

/** What an error means for `state.json`: offline (no answer, 429, 5xx), an HTTP refusal, or something else. */
export function errorState(error: unknown, now: number): LastError {
  const at = new Date(now).toISOString();
  if (error instanceof NetworkError) return { kind: "offline", message: error.message, at };
  if (error instanceof HttpError) {
    if (error.status === 401) {
      return { kind: "reauth", statusCode: 401, message: "the server refuses the token: new credentials needed", at };
    }
    const kind = error.status === 429 || error.status >= 500 ? "offline" : "http";
    return { kind, statusCode: error.status, message: error.message, at };
  }
  return { kind: "error", message: error instanceof Error ? error.message : String(error), at };
}
