/** Where the mount's token comes from, re-read on a 401 (a rotated credentials file is picked up). */
import { readCredentials } from "../config/credentials.ts";
import { dirname } from "node:path";

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
