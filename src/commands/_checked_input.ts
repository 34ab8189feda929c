/**
 * What a command checks before it sends anything: a server given as a URL with its scheme, and a token that is a
 * JWT. Both are usage errors (exit 2), named with where the bad value came from — never printing a token.
 */
import { decodeTokenClaims } from "../config/mod.ts";
import { UsageError } from "../lib/errors.ts";

/** `text` as a server base URL (no trailing `/`), or a usage error naming `source` (`--server`, `RELAYFILE_SERVER`). */
export function serverUrl(text: string, source: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || !url.hostname) {
    throw new UsageError(`${source} is not an http(s) URL: ${JSON.stringify(text)}`, {
      hint: `give the scheme too, e.g. http://${text.replace(/^\w+:\/\//, "") || "127.0.0.1:8080"}`,
    });
  }
  return text.replace(/\/+$/, "");
}

/** Refuses a token that is not a JWT (three dot-separated parts, JSON claims in the middle one). */
export function requireJwt(token: string, source: string): string {
  if (token.split(".").length !== 3 || decodeTokenClaims(token) === undefined) {
    throw new UsageError(`the token from ${source} is not a JWT`, {
      hint: "a relayfile token has three dot-separated parts; relayfile token --data DIR prints one for a local server",
    });
  }
  return token;
}
