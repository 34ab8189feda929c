/** The errors a new user meets first: each said once, with its cause and what to do, before any request when it can. */
import { join } from "node:path";
import { assertEquals, assertIncludes, assertNotIncludes } from "../support/assert.ts";
import { relayfileCommand, runRelayfile } from "../support/cli.ts";
import { startServeProcess } from "../support/serve_process.ts";
import { waitFor, waitForFirstSync } from "../support/wait.ts";
import { usingServer } from "../server/_server.ts";
import { usingTempDir } from "../support/temp_dir.ts";

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function mountOnce(args: string[], env: Record<string, string>) {
  await using home = await usingTempDir();
  return await runRelayfile(["mount", join(home.path, "work"), "--once", "--request-timeout", "2s", ...args], {
    env: { HOME: home.path, ...env },
  });
}

Deno.test("a refused port is named with the URL and the cause, once, with a hint", async () => {
  await using server = await usingServer();
  const url = `http://127.0.0.1:${freePort()}`;
  const result = await mountOnce(["--server", url, "--workspace", "ws"], { RELAYFILE_TOKEN: server.token });
  assertEquals(result.code, 3);
  assertIncludes(result.stderr, `error: GET /fs/tree: cannot reach ${url} (connection refused`);
  assertIncludes(result.stderr, "hint: check the server's address");
  assertEquals(result.stderr.match(/cannot reach/g)?.length, 1, "said once");
});

Deno.test("an unknown host is named as such", async () => {
  await using server = await usingServer();
  const result = await mountOnce(["--server", "http://no-such-host.invalid:8080", "--workspace", "ws"], {
    RELAYFILE_TOKEN: server.token,
  });
  assertEquals(result.code, 3);
  assertIncludes(result.stderr, "cannot reach http://no-such-host.invalid:8080 (unknown host)");
});

Deno.test("a server without a scheme is a usage error before any request", async () => {
  await using server = await usingServer();
  const result = await mountOnce(["--server", "127.0.0.1:8080", "--workspace", "ws"], {
    RELAYFILE_TOKEN: server.token,
  });
  assertEquals(result.code, 2);
  assertIncludes(result.stderr, 'error: --server is not an http(s) URL: "127.0.0.1:8080"');
  assertIncludes(result.stderr, "hint: give the scheme too, e.g. http://127.0.0.1:8080");
});

Deno.test("a token that is not a JWT is a usage error that names where it came from, never the token", async () => {
  const result = await mountOnce(["--server", "http://127.0.0.1:8080"], { RELAYFILE_TOKEN: "s3cret-not-a-jwt" });
  assertEquals(result.code, 2);
  assertIncludes(result.stderr, "error: the token from RELAYFILE_TOKEN is not a JWT");
  assertNotIncludes(result.stderr, "s3cret");
});

Deno.test("a truncated credentials file is named as broken", async () => {
  await using home = await usingTempDir();
  await Deno.mkdir(join(home.path, ".relayfile"));
  await Deno.writeTextFile(join(home.path, ".relayfile", "credentials.json"), '{"server":"http://127.0.0.1:8080","tok');
  const result = await runRelayfile(["mount", join(home.path, "work"), "--once", "--workspace", "ws"], {
    env: { HOME: home.path },
  });
  assertEquals(result.code, 3);
  assertIncludes(result.stderr, `the credentials file ${join(home.path, ".relayfile", "credentials.json")} is broken`);
  assertIncludes(result.stderr, "hint: fix it");
});

Deno.test("a mount whose RELAYFILE_TOKEN expires says to restart it with a new one, and loses nothing", async () => {
  await using data = await usingTempDir();
  await using home = await usingTempDir();
  await using serve = await startServeProcess(data.path);
  const minted = await runRelayfile(["token", "--data", data.path, "--ttl", "3s"]);
  const dir = join(home.path, "work");
  const child = relayfileCommand(["mount", dir, "--server", serve.url, "--no-websocket", "--interval", "1s"], {
    env: { HOME: home.path, RELAYFILE_TOKEN: minted.stdout.trim() },
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await waitForFirstSync(dir);
    await waitFor("the refused token in state.json", async () => {
      const state = JSON.parse(await Deno.readTextFile(join(dir, ".relay/state.json")));
      return state.status === "reauth-needed";
    });
    await Deno.writeTextFile(join(dir, "while-refused.md"), "kept\n");
    await waitFor(
      "the write queued",
      async () => (await Array.fromAsync(Deno.readDir(join(dir, ".relay/outbox"))).catch(() => [])).length > 0,
    );
    const status = await runRelayfile(["writeback", "status", "--dir", dir]);
    assertEquals(status.code, 1, status.stderr);
    assertIncludes(status.stderr, "error: the server refuses the token: restart the mount with a new RELAYFILE_TOKEN");
    assertIncludes(status.stderr, "nothing queued is lost");
    assertEquals(status.stderr.includes(minted.stdout.trim()), false);
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
});
