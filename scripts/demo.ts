// deno-lint-ignore-file no-console
/**
 * `deno task demo`: the whole thing on one machine, no account. Starts `relayfile serve` on a free port, mounts a
 * temp folder with `relayfile mount`, changes a file on each side, shows `relayfile writeback status`, cleans up.
 * Both run as the shipped binary would: `src/main.ts` with the compile task's permission flags.
 */
import { join } from "node:path";
import { relayfileCommand, startServe } from "./relayfile_process.ts";

const root = await Deno.makeTempDir({ prefix: "relayfile-demo-" });
const home = join(root, "home");
const folder = join(root, "work");
await Deno.mkdir(home);
const relayfile = (args: string[]) => relayfileCommand(args, { env: { HOME: home } });

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
const server = await startServe(join(root, "data"));
const { url, token } = server;
console.log(`  server at ${url}, workspace ${server.workspace}`);

const api = (method: string, path: string, body?: unknown) =>
  fetch(`${url}/v1/workspaces/${server.workspace}/${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "x-correlation-id": `demo_${crypto.randomUUID()}` },
    ...(body ? { body: JSON.stringify(body) } : {}),
  }).then((response) => response.json());

await api("POST", "fs/bulk", {
  files: [{ path: "/docs/welcome.md", content: "# Welcome\nThis file was on the server before the mount.\n" }],
});

let mount: Deno.ChildProcess | undefined;
try {
  step(`relayfile mount ${folder} --server ${url} --token-file <temp>/token`);
  const tokenFile = join(root, "token");
  await Deno.writeTextFile(tokenFile, `${token}\n`, { mode: 0o600 });
  mount = relayfile(["mount", folder, "--server", url, "--token-file", tokenFile]).spawn();
  mount.stdout.cancel();
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
  await server.stop();
  await Deno.remove(root, { recursive: true });
}
