/** `~/.relayfile/credentials.json` (mode 0600), the Go CLI's format: the only file a token may be written to. */
import { join } from "node:path";
import * as v from "valibot";
import { writeJsonAtomic } from "../lib/atomic_write.ts";
import { readJsonFile } from "./_read_json.ts";

export const CREDENTIALS_FILE = "credentials.json";

const CredentialsSchema = v.looseObject({
  server: v.optional(v.string(), ""),
  token: v.optional(v.string(), ""),
  updatedAt: v.optional(v.string()),
});

export type Credentials = v.InferOutput<typeof CredentialsSchema>;

export function credentialsPath(configDir: string): string {
  return join(configDir, CREDENTIALS_FILE);
}

/** The stored credentials (of `configDir`, or of an explicit file), or `undefined` when the file does not exist. */
export function readCredentials(
  configDir: string,
  file = credentialsPath(configDir),
): Promise<Credentials | undefined> {
  return readJsonFile(file, CredentialsSchema);
}

export async function writeCredentials(configDir: string, credentials: Credentials): Promise<void> {
  const path = credentialsPath(configDir);
  await writeJsonAtomic(path, credentials, { mode: 0o600 });
  if (Deno.build.os !== "windows") await Deno.chmod(path, 0o600);
}
