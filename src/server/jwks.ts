/**
 * RS256 public keys from a JWKS URL, as the reference server keeps them: cached for 5 minutes, refetched on an
 * unknown `kid`, a stale copy tolerated for one more minute when the URL fails — then 503 `unavailable`.
 */
import { AuthError } from "./auth.ts";

const FRESH_MS = 5 * 60_000;
const STALE_GRACE_MS = 60_000;

export class JwksCache {
  readonly #url: string;
  readonly #now: () => number;
  #keys = new Map<string, JsonWebKey>();
  #fetchedAt = -Infinity;

  constructor(url: string, now: () => number) {
    this.#url = url;
    this.#now = now;
  }

  async key(kid: string): Promise<JsonWebKey | undefined> {
    const age = this.#now() - this.#fetchedAt;
    if (age < FRESH_MS && this.#keys.has(kid)) return this.#keys.get(kid);
    try {
      await this.#refresh();
    } catch {
      if (age < FRESH_MS + STALE_GRACE_MS && this.#keys.size > 0) return this.#keys.get(kid);
      throw new AuthError(503, "jwks unreachable");
    }
    return this.#keys.get(kid);
  }

  async #refresh(): Promise<void> {
    const response = await fetch(this.#url, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`jwks answered ${response.status}`);
    }
    const document = await response.json() as { keys?: (JsonWebKey & { kid?: string })[] };
    const keys = new Map<string, JsonWebKey>();
    for (const key of document.keys ?? []) {
      if (key.kty === "RSA" && typeof key.kid === "string") keys.set(key.kid, key);
    }
    this.#keys = keys;
    this.#fetchedAt = this.#now();
  }
}
