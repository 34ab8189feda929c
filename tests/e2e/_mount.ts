import { join } from "node:path";
import { writeWorkspaces } from "../../src/config/workspaces.ts";
import { copyFixture, usingTempDir } from "../support/temp_dir.ts";

/** A HOME folder and, inside it, a copy of one fixture mount; both removed at the end of the test. */
export async function fixtureHome(fixture?: string) {
  const home = await usingTempDir("relayfile-e2e-");
  const mount = join(home.path, "mirror");
  if (fixture) await copyFixture(fixture, mount);
  else await Deno.mkdir(mount);
  return {
    home: home.path,
    mount,
    env: { HOME: home.path },
    /** Registers the mount in `~/.relayfile/workspaces.json` as `mount` does. */
    register: (name: string, id = name) =>
      writeWorkspaces(join(home.path, ".relayfile"), {
        workspaces: [{ name, id, createdAt: "2026-11-24T00:00:00Z", localDir: mount }],
      }),
    [Symbol.asyncDispose]: () => home[Symbol.asyncDispose](),
  };
}
