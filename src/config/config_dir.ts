import { join } from "node:path";

/** `$HOME/.relayfile` (or `%USERPROFILE%\.relayfile`), or `./.relayfile` when no home is known — as the Go CLI. */
export function configDir(env: Readonly<Record<string, string | undefined>>, cwd: string): string {
  const home = env.HOME?.trim() || env.USERPROFILE?.trim();
  return join(home || cwd, ".relayfile");
}
