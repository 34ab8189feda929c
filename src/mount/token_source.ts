/** Where the mount's token comes from, re-read on a 401 (a rotated credentials file is picked up). */
import { dirname } from "node:path";
import { readCredentials } from "../config/credentials.ts";
import { decodeTokenClaims } from "../config/token_claims.ts";
import { scopeAllows, scopesOf } from "../protocol/scopes.ts";

export interface TokenSource {
  current(): string;
  /** Re-reads the source; true when the token changed. */
  reload(): Promise<boolean>;
}

export function fixedToken(token: string): TokenSource {
  return { current: () => token, reload: () => Promise.resolve(false) };
}

/** `--creds-file F` or `~/.relayfile/credentials.json`: a JSON document with a `token`. */
export async function fileToken(credentialsFile: string): Promise<TokenSource> {
  const read = async () => (await readCredentials(dirname(credentialsFile), credentialsFile))?.token?.trim() ?? "";
  let token = await read();
  return {
    current: () => token,
    reload: async () => {
      const next = await read().catch(() => token);
      const changed = next !== "" && next !== token;
      if (changed) token = next;
      return changed;
    },
  };
}

/** `--token-file F`: a file that holds the token and nothing else (re-read on 401, like a credentials file). */
export async function textFileToken(file: string): Promise<TokenSource> {
  const read = async () => (await Deno.readTextFile(file)).trim();
  let token = await read();
  return {
    current: () => token,
    reload: async () => {
      const next = await read().catch(() => token);
      const changed = next !== "" && next !== token;
      if (changed) token = next;
      return changed;
    },
  };
}

/** Write access per path from the token's scopes; a token without a `scopes` claim is taken as writable. */
export function writableBy(tokens: TokenSource): (path: string) => boolean {
  let cachedToken = "";
  let scopes: string[] | undefined;
  return (path) => {
    const token = tokens.current();
    if (token !== cachedToken) {
      cachedToken = token;
      const claim = decodeTokenClaims(token)?.scopes;
      scopes = typeof claim === "string" || Array.isArray(claim) ? scopesOf(claim) : undefined;
    }
    return scopes === undefined || scopeAllows(scopes, "fs:write", path);
  };
}
