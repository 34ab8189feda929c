/** Where the mount's token comes from, re-read on a 401 (a rotated credentials file is picked up). */
import { dirname } from "node:path";
import { readCredentials } from "../config/credentials.ts";
import { decodeTokenClaims } from "../config/token_claims.ts";
import { scopeAllows, scopesOf } from "../protocol/scopes.ts";

export interface TokenSource {
  current(): string;
  /** Re-reads the source; true when the token changed. */
  reload(): Promise<boolean>;
  /** How a person gives the mount a new token, for the messages that ask for one. */
  readonly renewal: string;
}

/** A token given once (an argument, the environment, standard input): only a restart brings a new one. */
export function fixedToken(token: string, renewal = "restart the mount with a new token"): TokenSource {
  return { current: () => token, reload: () => Promise.resolve(false), renewal };
}

/** `--creds-file F` or `~/.relayfile/credentials.json`: a JSON document with a `token`. */
export function fileToken(credentialsFile: string): Promise<TokenSource> {
  return rereadable(
    async () => (await readCredentials(dirname(credentialsFile), credentialsFile))?.token?.trim() ?? "",
    credentialsFile,
  );
}

/** `--token-file F`: a file that holds the token and nothing else (re-read on 401, like a credentials file). */
export function textFileToken(file: string): Promise<TokenSource> {
  return rereadable(async () => (await Deno.readTextFile(file)).trim(), file);
}

/** A token read by `read`, read again on `reload()`; a read that fails or finds nothing keeps the token it had. */
async function rereadable(read: () => Promise<string>, file: string): Promise<TokenSource> {
  let token = await read();
  return {
    renewal: `put a new token in ${file}: the mount picks it up by itself`,
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
