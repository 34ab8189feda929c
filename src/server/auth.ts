/**
 * Bearer JWT verification with the reference's claim rules (spec §1.2): HS256 with the data dir's secret for local
 * use, RS256 against a JWKS URL like the Go server.
 */
import { scopesOf } from "../protocol/scopes.ts";
import { parseJwt, verifyHs256, verifyRs256 } from "./jwt.ts";
import type { JwksCache } from "./jwks.ts";

export interface Principal {
  workspaceId: string;
  agent: string;
  scopes: string[];
  expiresAt: number;
}

/** Why a token was refused; becomes the HTTP status and error code of the response. */
export class AuthError extends Error {
  readonly status: 401 | 403 | 503;
  readonly code: "unauthorized" | "forbidden" | "unavailable";

  constructor(status: 401 | 403 | 503, message: string) {
    super(message);
    this.name = "AuthError";
    this.status = status;
    this.code = status === 401 ? "unauthorized" : status === 403 ? "forbidden" : "unavailable";
  }
}

export interface AuthenticatorOptions {
  /** HS256 secret (local use); absent: HS256 tokens are refused. */
  secret?: Uint8Array;
  /** RS256 keys (the reference's mode); absent: RS256 tokens are refused. */
  jwks?: JwksCache;
  now: () => number;
}

export class Authenticator {
  readonly #options: AuthenticatorOptions;

  constructor(options: AuthenticatorOptions) {
    this.#options = options;
  }

  /** The principal of an `Authorization` header value (or a bare token from `?token=`). */
  async authenticate(bearer: string | null, { headerForm = true } = {}): Promise<Principal> {
    const token = headerForm ? bearerToken(bearer) : bearer?.trim();
    if (!token) throw new AuthError(401, "missing bearer token");
    const jwt = parseJwt(token);
    if (!jwt) throw new AuthError(401, "invalid token");
    const alg = jwt.header.alg;
    if (alg === "HS256" && this.#options.secret) {
      if (!(await verifyHs256(jwt, this.#options.secret))) throw new AuthError(401, "invalid token signature");
    } else if (alg === "RS256" && this.#options.jwks) {
      const kid = jwt.header.kid;
      if (typeof kid !== "string" || kid === "") throw new AuthError(401, "missing kid");
      const key = await this.#options.jwks.key(kid);
      if (!key) throw new AuthError(401, "unknown signing key");
      if (!(await verifyRs256(jwt, key))) throw new AuthError(401, "invalid token signature");
    } else {
      throw new AuthError(401, "unsupported jwt algorithm");
    }
    return principalFromClaims(jwt.payload, this.#options.now());
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
