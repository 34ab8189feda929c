/**
 * What to do after one attempt to send an op (design.md, the classification table), pure: the outcome, the op's
 * history, the time and a random number in [0, 1) go in; a decision comes out.
 */
import { backoffMs } from "../lib/backoff.ts";
import { type Classification, classifyFailure, type NextAction, nextActionFor } from "../relay/classify.ts";

export interface RetryPolicy {
  baseMs: number;
  capMs: number;
  /** Attempts in one budget; the op is dead-lettered after this many transient failures. */
  maxAttempts: number;
  /** Or once this much time has passed since the op was created. */
  maxAgeMs: number;
}

export const DEFAULT_POLICY: RetryPolicy = {
  baseMs: 500,
  capMs: 5 * 60_000,
  maxAttempts: 8,
  maxAgeMs: 24 * 3_600_000,
};

export interface Failure {
  /** 0 = no HTTP answer. */
  status: number;
  code?: string;
  message: string;
  retryAfterMs?: number;
}

export type Decision =
  | { action: "retry"; notBefore: number }
  | { action: "conflict" }
  | { action: "reauth" }
  | { action: "dead_letter"; classification: Classification; nextAction: NextAction };

export { backoffMs } from "../lib/backoff.ts";

/**
 * `attempts` counts the op's charged attempts, this one included when it is charged (failures while the server is
 * down are not: see `design.md`, "Retry budget"). An uncharged failure never exhausts the budget, by attempts or by
 * age: an op made before a long outage (or before the mount was stopped for a weekend) is not dead-lettered by the
 * outage, only by failing again once the server serves. `reauthTried`: the token source was already re-read for a 401.
 */
export function decide(
  failure: Failure,
  op: { attempts: number; createdAtMs: number },
  context: { now: number; random: number; policy: RetryPolicy; reauthTried: boolean; charged?: boolean },
): Decision {
  const classification = classifyFailure(failure.status, failure.code);
  switch (classification) {
    case "conflict":
      return { action: "conflict" };
    case "unauthorized":
      return context.reauthTried
        ? { action: "dead_letter", classification, nextAction: "reauth" }
        : { action: "reauth" };
    case "transient": {
      const exhausted = context.charged !== false &&
        (op.attempts >= context.policy.maxAttempts || context.now - op.createdAtMs >= context.policy.maxAgeMs);
      if (exhausted) return { action: "dead_letter", classification, nextAction: nextActionFor(classification) };
      // The server's Retry-After overrides the backoff, up to the backoff's cap: a server that says "in three
      // years" (or whose clock is off) does not park a change for that long.
      const delay = failure.retryAfterMs !== undefined
        ? Math.min(failure.retryAfterMs, context.policy.capMs)
        : backoffMs(context.policy, op.attempts, context.random);
      return { action: "retry", notBefore: context.now + delay };
    }
    default:
      return { action: "dead_letter", classification, nextAction: nextActionFor(classification) };
  }
}
