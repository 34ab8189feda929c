/**
 * Bearer JWT verification with the reference's claim rules (spec §1.2): HS256 with the data dir's secret for local
 * use, RS256 against a JWKS URL like the Go server.
 */
import { scopesOf } from "../protocol/scopes.ts";
import { AuthError } from "./auth_error.ts";
import { tokenVerifier, type VerificationKeys } from "./jwt.ts";

export { AuthError } from "./auth_error.ts";

export interface Principal {
  workspaceId: string;
  agent: string;
  scopes: string[];
  expiresAt: number;
}

export interface AuthenticatorOptions extends VerificationKeys {
  now: () => number;
}

export class Authenticator {
  readonly #verify: (token: string) => Promise<Record<string, unknown>>;
  readonly #now: () => number;

  constructor(options: AuthenticatorOptions) {
    this.#verify = tokenVerifier(options);
    this.#now = options.now;
  }

  /** The principal of an `Authorization` header value (or a bare token from `?token=`). */
  async authenticate(bearer: string | null, { headerForm = true } = {}): Promise<Principal> {
    const token = headerForm ? bearerToken(bearer) : bearer?.trim();
    if (!token) throw new AuthError(401, "missing bearer token");
    return principalFromClaims(await this.#verify(token), this.#now());
  }
}

function bearerToken(header: string | null): string | undefined {
  if (!header?.startsWith("Bearer ")) return undefined;
  return header.slice("Bearer ".length).trim() || undefined;
}

/** The claim rules, pure: workspace, subject, expiry, audience, scopes. */
export function principalFromClaims(claims: Record<string, unknown>, nowMs: number): Principal {
  const workspaceId = firstString(claims.wks, claims.workspace_id);
  if (!workspaceId) throw new AuthError(401, "missing workspace claim");
  const agent = firstString(claims.sub, claims.agent_name);
  if (!agent) throw new AuthError(401, "missing subject claim");
  if (typeof claims.exp !== "number" || !Number.isFinite(claims.exp)) throw new AuthError(401, "missing exp claim");
  if (nowMs >= claims.exp * 1000) throw new AuthError(401, "token expired");
  const audiences = typeof claims.aud === "string" ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
  if (!audiences.some((aud) => typeof aud === "string" && aud.trim() === "relayfile")) {
    throw new AuthError(401, "invalid aud claim");
  }
  const scopes = scopesOf(claims.scopes);
  if (scopes.length === 0) throw new AuthError(403, "no scopes granted");
  return { workspaceId, agent, scopes, expiresAt: claims.exp * 1000 };
}

function firstString(...values: unknown[]): string | undefined {
  for (const value of values) if (typeof value === "string" && value.trim()) return value.trim();
  return undefined;
}
