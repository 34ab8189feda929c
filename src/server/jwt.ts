/**
 * Compact JWS through `jose`: HS256 signing (local dev tokens), and signature verification of HS256 (the data
 * folder's secret) or RS256 (keys from a JWKS URL, cached and refetched on an unknown `kid` by jose). Claims are
 * checked afterwards by `principalFromClaims`, with the reference's rules.
 */
import { decodeProtectedHeader } from "jose/decode/protected_header";
import { JOSEError, JWKSNoMatchingKey, JWKSTimeout, JWSSignatureVerificationFailed } from "jose/errors";
import { createRemoteJWKSet } from "jose/jwks/remote";
import { compactVerify } from "jose/jws/compact/verify";
import { SignJWT } from "jose/jwt/sign";
import { AuthError } from "./auth_error.ts";

/** Keys a token may be verified with; a token of an algorithm with no key here is refused. */
export interface VerificationKeys {
  /** HS256 secret (local use). */
  secret?: Uint8Array;
  /** RS256 keys from this JWKS URL (the reference's mode). */
  jwksUrl?: string;
}

/** How long fetched JWKS keys are used before they are fetched again, as the reference server does. */
const JWKS_FRESH_MS = 5 * 60_000;

export function signHs256(payload: Record<string, unknown>, secret: Uint8Array): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(secret);
}

/** Verifies a token's signature; returns its claims, or throws an `AuthError` that says why not. */
export function tokenVerifier(keys: VerificationKeys): (token: string) => Promise<Record<string, unknown>> {
  const jwks = keys.jwksUrl
    ? createRemoteJWKSet(new URL(keys.jwksUrl), { cacheMaxAge: JWKS_FRESH_MS, timeoutDuration: 10_000 })
    : undefined;
  return async (token) => {
    let header: { alg?: string; kid?: string };
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new AuthError(401, "invalid token");
    }
    let payload: Uint8Array;
    try {
      if (header.alg === "HS256" && keys.secret) {
        payload = (await compactVerify(token, keys.secret, { algorithms: ["HS256"] })).payload;
      } else if (header.alg === "RS256" && jwks) {
        if (typeof header.kid !== "string" || header.kid === "") throw new AuthError(401, "missing kid");
        payload = (await compactVerify(token, jwks, { algorithms: ["RS256"] })).payload;
      } else {
        throw new AuthError(401, "unsupported jwt algorithm");
      }
    } catch (error) {
      throw authErrorOf(error);
    }
    let claims: unknown;
    try {
      claims = JSON.parse(new TextDecoder().decode(payload));
    } catch {
      throw new AuthError(401, "invalid token");
    }
    if (claims === null || typeof claims !== "object" || Array.isArray(claims)) {
      throw new AuthError(401, "invalid token");
    }
    return claims as Record<string, unknown>;
  };
}

function authErrorOf(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof JWSSignatureVerificationFailed) return new AuthError(401, "invalid token signature");
  if (error instanceof JWKSNoMatchingKey) return new AuthError(401, "unknown signing key");
  if (error instanceof JWKSTimeout || !(error instanceof JOSEError)) return new AuthError(503, "jwks unreachable");
  return new AuthError(401, "invalid token");
}
