// deno-lint-ignore-file no-console
/**
 * `deno task demo`: the whole thing on one machine, no account. Starts `relayfile serve` on a free port, mounts a
 * temp folder with `relayfile mount`, changes a file on each side, shows `relayfile writeback status`, cleans up.
 * Both run as the shipped binary would: `src/main.ts` with the compile task's permission flags.
 */
import { join } from "node:path";
import { readPermissionFlags } from "./permission_flags.ts";

const MAIN = new URL("../src/main.ts", import.meta.url).pathname;
const flags = await readPermissionFlags();
const root = await Deno.makeTempDir({ prefix: "relayfile-demo-" });
const home = join(root, "home");
const folder = join(root, "work");
await Deno.mkdir(home);
const env = { HOME: home, NO_COLOR: "1" };

function relayfile(args: string[], stdout: "piped" | "inherit" | "null" = "piped") {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...flags, MAIN, ...args],
    env,
    stdout,
    stderr: "piped",
    stdin: "null",
  });
}

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const read = (path: string) => Deno.readTextFile(join(folder, path)).catch(() => undefined);
const step = (text: string) => console.log(`\n▸ ${text}`);

step("relayfile serve --addr 127.0.0.1:0 --data <temp>");
const server = relayfile(["serve", "--addr", "127.0.0.1:0", "--data", join(root, "data")]).spawn();
const serverErr = new Response(server.stderr).text();
const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
let banner = "";
while (!banner.includes("\ntoken: ")) {
  const { value, done } = await reader.read();
  if (done) throw new Error(`the server did not start: ${await serverErr}`);
  banner += value;
}
const drain = (async () => {
  while (!(await reader.read()).done) { /* keep the pipe empty */ }
})();
const url = /listening on (\S+)/.exec(banner)![1]!;
const token = /\ntoken: (\S+)/.exec(banner)![1]!;
console.log(`  server at ${url}, workspace ws_local`);

const api = (method: string, path: string, body?: unknown) =>
  fetch(`${url}/v1/workspaces/ws_local/${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "x-correlation-id": `demo_${crypto.randomUUID()}` },
    ...(body ? { body: JSON.stringify(body) } : {}),
  }).then((response) => response.json());

await api("POST", "fs/bulk", {
  files: [{ path: "/docs/welcome.md", content: "# Welcome\nThis file was on the server before the mount.\n" }],
});

let mount: Deno.ChildProcess | undefined;
try {
  step(`relayfile mount ${folder} --server ${url} --token …`);
  mount = relayfile(["mount", folder, "--server", url, "--token", token], "null").spawn();
  await waitFor("the initial pull", async () => (await read("docs/welcome.md")) !== undefined);
  console.log("  pulled docs/welcome.md into the folder");

  step("a local change: echo '…' > work/notes/from-the-folder.md");
  await Deno.mkdir(join(folder, "notes"), { recursive: true });
  await Deno.writeTextFile(join(folder, "notes/from-the-folder.md"), "Written in the mounted folder.\n");
  await waitFor(
    "the upload",
    async () => (await api("GET", "fs/file?path=/notes/from-the-folder.md")).content !== undefined,
  );
  console.log("  it is on the server: GET fs/file?path=/notes/from-the-folder.md answers its content");

  step("a remote change: POST fs/bulk /docs/from-an-agent.md");
  await api("POST", "fs/bulk", { files: [{ path: "/docs/from-an-agent.md", content: "Written by an agent.\n" }] });
  await waitFor("the remote change", async () => (await read("docs/from-an-agent.md")) !== undefined);
  console.log("  it is in the folder: work/docs/from-an-agent.md");

  step("relayfile writeback status ws_local");
  const status = await relayfile(["writeback", "status", "ws_local"]).output();
  console.log(new TextDecoder().decode(status.stdout).trimEnd().replace(/^/gm, "  "));
  console.log(`  (exit code ${status.code}: nothing needs attention)`);
} finally {
  step("cleaning up: SIGTERM to the mount and the server, temp folder removed");
  if (mount) {
    mount.kill("SIGTERM");
    const stderr = new Response(mount.stderr).text();
    await mount.status;
    console.log(`  mount: ${(await stderr).trim().split("\n").at(-1)}`);
  }
  server.kill("SIGTERM");
  await server.status;
  await drain;
  await serverErr;
  await Deno.remove(root, { recursive: true });
}
