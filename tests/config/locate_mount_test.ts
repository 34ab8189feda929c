import { assertEquals, assertRejects } from "../support/assert.ts";
import { join } from "node:path";
import { writeCredentials } from "../../src/config/credentials.ts";
import { locateMount } from "../../src/config/locate_mount.ts";
import { writeWorkspaces } from "../../src/config/workspaces.ts";
import { MountNotFoundError, UsageError } from "../../src/lib/errors.ts";
import { usingTempDir } from "../support/temp_dir.ts";

function token(claims: Record<string, unknown>): string {
  return `e30.${btoa(JSON.stringify(claims)).replaceAll("=", "")}.sig`;
}

Deno.test("locateMount() finds the mount folder from the catalog without any credentials", async () => {
  await using home = await usingTempDir();
  const mount = join(home.path, "mirror");
  await Deno.mkdir(join(mount, ".relay"), { recursive: true });
  await writeWorkspaces(join(home.path, ".relayfile"), {
    workspaces: [{ name: "demo", id: "ws_demo", createdAt: "", localDir: mount }],
  });
  const location = await locateMount({ workspace: "demo" }, { env: { HOME: home.path }, cwd: "/" });
  assertEquals(location, { dir: mount, workspaceId: "ws_demo", workspaceName: "demo" });
});

Deno.test("locateMount() uses the workspace claim of the stored token when nothing else names one", async () => {
  await using home = await usingTempDir();
  const config = join(home.path, ".relayfile");
  await Deno.mkdir(join(home.path, ".relay"));
  await writeWorkspaces(config, { workspaces: [{ name: "ws_t", createdAt: "", localDir: home.path }] });
  await writeCredentials(config, { server: "http://x", token: token({ wks: "ws_t" }) });
  const location = await locateMount({}, { env: { HOME: home.path }, cwd: "/" });
  assertEquals(location.dir, home.path);
});

Deno.test("locateMount() takes --dir relative to the current folder", async () => {
  await using dir = await usingTempDir();
  await Deno.mkdir(join(dir.path, "m/.relay"), { recursive: true });
  assertEquals(await locateMount({ dir: "m" }, { env: {}, cwd: dir.path }), { dir: join(dir.path, "m") });
});

Deno.test("locateMount() fails clearly for a workspace without a local mirror or a missing folder", async () => {
  await using home = await usingTempDir();
  await writeWorkspaces(join(home.path, ".relayfile"), {
    workspaces: [
      { name: "remote-only", createdAt: "" },
      { name: "gone", createdAt: "", localDir: join(home.path, "deleted") },
    ],
  });
  const context = { env: { HOME: home.path }, cwd: "/" };
  await assertRejects(() => locateMount({ workspace: "remote-only" }, context), MountNotFoundError, "no local mirror");
  await assertRejects(() => locateMount({ workspace: "gone" }, context), MountNotFoundError, "not a mount any more");
  await assertRejects(() => locateMount({ dir: join(home.path, "nope") }, context), MountNotFoundError);
});

Deno.test("locateMount() refuses a folder that is not a mount: the gate must not pass on the wrong folder", async () => {
  await using dir = await usingTempDir();
  await assertRejects(
    () => locateMount({ dir: dir.path }, { env: {}, cwd: "/" }),
    MountNotFoundError,
    "is not a mount: it has no .relay folder",
  );
});

Deno.test("locateMount() picks the one mounted folder of a workspace, and asks for --dir when there are several", async () => {
  await using home = await usingTempDir();
  const [first, second, gone] = ["first", "second", "gone"].map((name) => join(home.path, name));
  await Deno.mkdir(join(first!, ".relay"), { recursive: true });
  const config = join(home.path, ".relayfile");
  await writeWorkspaces(config, {
    workspaces: [{ name: "ws", createdAt: "", localDir: gone!, localDirs: [first!, gone!] }],
  });
  const context = { env: { HOME: home.path }, cwd: "/" };
  assertEquals((await locateMount({ workspace: "ws" }, context)).dir, first);
  await Deno.mkdir(join(second!, ".relay"), { recursive: true });
  await writeWorkspaces(config, {
    workspaces: [{ name: "ws", createdAt: "", localDir: second!, localDirs: [first!, second!] }],
  });
  await assertRejects(() => locateMount({ workspace: "ws" }, context), UsageError, "mounted in 2 folders");
});
