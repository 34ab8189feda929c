/**
 * The environment variables the program reads — all of them. The compile task's `--allow-env=` lists exactly these
 * (a test holds the two together), and nothing else reads the environment: under scoped permissions, reading any
 * other name throws.
 */
export const ENVIRONMENT_VARIABLES = [
  "HOME",
  "USERPROFILE",
  "RELAYFILE_SERVER",
  "RELAYFILE_BASE_URL",
  "RELAYFILE_TOKEN",
  "RELAYFILE_WORKSPACE",
  "RELAYFILE_REMOTE_PATH",
  "RELAYFILE_RELEASES_URL",
  "RELAYFILE_LOCAL_DIR",
  "RELAYFILE_MOUNT_CREDS_FILE",
  "XDG_DATA_HOME",
  "LOCALAPPDATA",
  "NO_COLOR",
  "FORCE_COLOR",
  "CLICOLOR_FORCE",
] as const;

export type Environment = Readonly<Partial<Record<typeof ENVIRONMENT_VARIABLES[number], string>>>;

/** The allow-listed variables this process may read; a sandbox that grants fewer just leaves the rest unset. */
export function readEnvironment(): Environment {
  const env: Partial<Record<typeof ENVIRONMENT_VARIABLES[number], string>> = {};
  for (const name of ENVIRONMENT_VARIABLES) {
    if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") continue;
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}
