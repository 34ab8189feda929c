/** Safe by default, tried with the real CLI: what a first mount uploads, who can read `.relay/`, tokens off argv. */
import { join } from "node:path";
import { assertEquals, assertIncludes, assertOk } from "../support/assert.ts";
import { relayfileCommand, runRelayfile, SHAPED_TOKEN } from "../support/cli.ts";
import { apiClient, startServeProcess } from "../support/serve_process.ts";
import { usingTempDir } from "../support/temp_dir.ts";
import { waitForFirstSync } from "../support/wait.ts";

async function write(root: string, files: Record<string, string>, mode?: number): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const file = join(root, path);
    await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(file, content, mode ? { mode } : {});
  }
}

async function serverPaths(serve: { url: string; workspace: string; token: string }): Promise<string[]> {
  const api = apiClient(serve.url, serve.workspace, serve.token);
  const exported = (await api("GET", "fs/export?format=json&path=/")).json as { path: string }[];
  return exported.map((file) => file.path).sort();
}

Deno.test("a first mount of a folder with files refuses without --allow-non-empty; with it, keys and ignored paths stay home", async () => {
  await using data = await usingTempDir();
  await using home = await usingTempDir();
  await using serve = await startServeProcess(data.path);
  const dir = join(home.path, "project");
  await write(dir, {
    ".ssh/id_ed25519": "-----BEGIN OPENSSH PRIVATE KEY-----\n",
    ".relayignore": "secrets/\n",
    "secrets/api-key.txt": "sk-live\n",
    "logs/build.log": "noise\n",
    "notes/plan.md": "the plan\n",
  });
  const args = ["mount", dir, "--server", serve.url, "--workspace", serve.workspace, "--once", "--exclude", "*.log"];
  const env = { HOME: home.path, RELAYFILE_TOKEN: serve.token };
  const refused = await runRelayfile(args, { env });
  assertEquals(refused.code, 2, refused.stderr);
  assertIncludes(refused.stderr, "is not empty");
  assertIncludes(refused.stderr, "--allow-non-empty");
  assertEquals(await serverPaths(serve), [], "nothing uploaded");

  const mounted = await runRelayfile([...args, "--allow-non-empty"], { env });
  assertEquals(mounted.code, 0, mounted.stderr);
  assertEquals(await serverPaths(serve), ["/.relayignore", "/notes/plan.md"]);
  const again = await runRelayfile(args, { env });
  assertEquals(again.code, 0, "a folder that is already a mount needs no flag");
});

Deno.test("mount refuses the home folder outright", async () => {
  await using home = await usingTempDir();
  const result = await runRelayfile(
    ["mount", home.path, "--server", "http://127.0.0.1:1", "--token", SHAPED_TOKEN, "--workspace", "ws", "--once"],
    { env: { HOME: home.path } },
  );
  assertEquals(result.code, 2, result.stderr);
  assertIncludes(result.stderr, "refusing to mount your home folder");
});

Deno.test("everything under .relay/ is private: 0700 folders, 0600 files, also the copy of a refused 0600 file", async () => {
  await using data = await usingTempDir();
  await using home = await usingTempDir();
  await using serve = await startServeProcess(data.path, ["--reject-writeback", "/private/**"]);
  const dir = join(home.path, "work");
  await Deno.mkdir(join(dir, ".relay/outbox"), { recursive: true });
  await Deno.writeTextFile(join(dir, ".relay/outbox/stale.txt"), "left by an older version", { mode: 0o644 });
  await write(dir, { "private/secret.md": "only mine\n" }, 0o600);
  const result = await runRelayfile(
    ["mount", dir, "--server", serve.url, "--workspace", serve.workspace, "--once"],
    { env: { HOME: home.path, RELAYFILE_TOKEN: serve.token } },
  );
  assertEquals(result.code, 1, result.stderr); // the provider refused the file: a dead letter
  const modes: string[] = [];
  const walk = async (path: string) => {
    const info = await Deno.lstat(path);
    const wanted = info.isDirectory ? 0o700 : 0o600;
    modes.push(
      `${(info.mode! & 0o777) === wanted ? "ok" : "WRONG"} ${(info.mode! & 0o777).toString(8)} ${
        path.slice(dir.length)
      }`,
    );
    if (info.isDirectory) { for await (const entry of Deno.readDir(path)) await walk(join(path, entry.name)); }
  };
  await walk(join(dir, ".relay"));
  assertOk(modes.some((line) => line.includes("/dead-letter/")), modes.join("\n"));
  assertOk(modes.some((line) => line.includes("/blobs/")), modes.join("\n"));
  assertEquals(modes.filter((line) => line.startsWith("WRONG")), [], modes.join("\n"));
});

Deno.test("a mount started with --token-file shows no token in the process list", async () => {
  await using data = await usingTempDir();
  await using home = await usingTempDir();
  await using serve = await startServeProcess(data.path);
  const tokenFile = join(home.path, "token");
  await Deno.writeTextFile(tokenFile, `${serve.token}\n`, { mode: 0o600 });
  const dir = join(home.path, "work");
  const child = relayfileCommand(["mount", dir, "--server", serve.url, "--token-file", tokenFile], {
    env: { HOME: home.path },
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await waitForFirstSync(dir);
    const ps = await new Deno.Command("ps", { args: ["-o", "args=", "-p", String(child.pid)] }).output();
    const cmdline = new TextDecoder().decode(ps.stdout);
    assertOk(cmdline.includes("--token-file"), cmdline);
    assertEquals(cmdline.includes(serve.token), false);
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
});

Deno.test("mount --dry-run prints what a first sync would upload and download, and changes nothing", async () => {
  await using data = await usingTempDir();
  await using home = await usingTempDir();
  await using serve = await startServeProcess(data.path);
  await apiClient(serve.url, serve.workspace, serve.token)("POST", "fs/bulk", {
    files: [{ path: "/docs/remote.md", content: "from the server\n" }, { path: "/both.md", content: "x\n" }],
  });
  const dir = join(home.path, "project");
  await write(dir, { ".ssh/id_ed25519": "key\n", "notes/plan.md": "plan\n", "both.md": "y\n", "a\\b.md": "z\n" });
  await Deno.writeTextFile(join(dir, "disk.img"), "");
  await Deno.truncate(join(dir, "disk.img"), 5 * 1024 ** 3);
  const result = await runRelayfile(
    ["mount", dir, "--server", serve.url, "--workspace", serve.workspace, "--dry-run"],
    { env: { HOME: home.path, RELAYFILE_TOKEN: serve.token } },
  );
  assertEquals(result.code, 0, result.stderr);
  assertIncludes(result.stdout, "would upload: 1\n  /notes/plan.md\n");
  assertIncludes(result.stdout, "would download: 1\n  /docs/remote.md\n");
  assertIncludes(result.stdout, "on both sides (compared): 1\n  /both.md\n");
  assertIncludes(
    result.stdout,
    "local files not sent (rename, shrink or exclude them): 2\n  a\\b.md (a backslash in a name is a folder separator " +
      "on the server)\n  disk.img (larger than the 64 MiB a mount sends: 5 GiB)\n",
  );
  assertEquals(result.stdout.includes(".ssh"), false);
  assertEquals(await Deno.stat(join(dir, ".relay")).then(() => true, () => false), false, "no .relay/ written");
  assertEquals(await serverPaths(serve), ["/both.md", "/docs/remote.md"]);
});

Deno.test("writeback status --ignored lists what the rules leave out, folders once", async () => {
  await using home = await usingTempDir();
  const dir = join(home.path, "m");
  await write(dir, {
    ".relay/state.json": "{}",
    ".relayignore": "secrets/\n",
    "secrets/a.txt": "a",
    "secrets/b.txt": "b",
    "notes/.DS_Store": "",
    "notes/plan.md": "plan",
  });
  const human = await runRelayfile(["writeback", "status", "--dir", dir, "--ignored"], { env: { HOME: home.path } });
  assertEquals(human.code, 0, human.stderr);
  assertIncludes(human.stdout, "Not synced here (ignore rules): 2\n  notes/.DS_Store\n  secrets/\n");
  const json = await runRelayfile(["writeback", "status", "--dir", dir, "--ignored", "--json"], {
    env: { HOME: home.path },
  });
  assertEquals(JSON.parse(json.stdout).ignored, ["notes/.DS_Store", "secrets/"]);
});
