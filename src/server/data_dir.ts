/** The `relayfile serve` data folder: the SQLite database and the HS256 secret that signs local dev tokens. */
import { join } from "node:path";
import { writeFileAtomic } from "../lib/atomic_write.ts";

export const DATABASE_FILE = "relayfile.db";
export const SECRET_FILE = "jwt-secret";

export interface DataDir {
  path: string;
  database: string;
  secret: Uint8Array;
}

/** Opens (creating when needed) the data folder and its secret (32 random bytes, mode 0600). */
export async function openDataDir(path: string): Promise<DataDir> {
  await Deno.mkdir(path, { recursive: true, mode: 0o700 });
  return { path, database: join(path, DATABASE_FILE), secret: await readOrCreateSecret(path) };
}

/** The secret of an existing data folder, without creating anything (`relayfile token`). */
export async function readSecret(path: string): Promise<Uint8Array | undefined> {
  try {
    return decodeSecret((await Deno.readTextFile(join(path, SECRET_FILE))).trim());
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

async function readOrCreateSecret(dir: string): Promise<Uint8Array> {
  const existing = await readSecret(dir);
  if (existing && existing.length >= 32) return existing;
  const secret = crypto.getRandomValues(new Uint8Array(32));
  await writeFileAtomic(join(dir, SECRET_FILE), secret.toBase64(BASE64URL) + "\n", { mode: 0o600 });
  return secret;
}

/** The secret file holds unpadded base64url. */
const BASE64URL = { alphabet: "base64url", omitPadding: true } as const;

function decodeSecret(text: string): Uint8Array | undefined {
  try {
    return Uint8Array.fromBase64(text, { alphabet: "base64url", lastChunkHandling: "loose" });
  } catch {
    return undefined;
  }
}

/** `$XDG_DATA_HOME/relayfile`, `%LOCALAPPDATA%\relayfile`, or `~/.local/share/relayfile`. */
export function defaultDataDir(env: Readonly<Record<string, string | undefined>>, cwd: string): string {
  if (env.XDG_DATA_HOME?.trim()) return join(env.XDG_DATA_HOME.trim(), "relayfile");
  if (env.LOCALAPPDATA?.trim()) return join(env.LOCALAPPDATA.trim(), "relayfile");
  const home = env.HOME?.trim() || env.USERPROFILE?.trim() || cwd;
  return join(home, ".local", "share", "relayfile");
}
