import { join } from "node:path";
import { assertEquals, assertIncludes, assertMatch, assertNotIncludes } from "../support/assert.ts";
import { readServeBanner } from "../../scripts/serve_banner.ts";
import { waitFor } from "../support/wait.ts";
import { relayfileCommand, runRelayfile } from "../support/cli.ts";
import { apiClient, startServeProcess } from "../support/serve_process.ts";
import { usingTempDir } from "../support/temp_dir.ts";

Deno.test("serve prints its address and a working token, and stops cleanly on SIGTERM", async () => {
  await using data = await usingTempDir();
  const serve = await startServeProcess(data.path);
  assertMatch(serve.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assertEquals(serve.workspace, "ws_local");
  const api = apiClient(serve.url, serve.workspace, serve.token);
  assertEquals((await api("POST", "fs/bulk", { files: [{ path: "/a.md", content: "a" }] })).status, 202);
  const stopped = await serve.stop("SIGTERM");
  assertEquals(stopped.code, 0);
  assertIncludes(stopped.stderr, "SIGTERM: shutting down");
});

Deno.test("token refuses a data folder with no secret (a typo) unless --init, and an empty workspace or agent", async () => {
  await using data = await usingTempDir();
  const typo = await runRelayfile(["token", "--data", join(data.path, "typo")], { env: { HOME: data.path } });
  assertEquals([typo.code, typo.stdout], [3, ""]);
  assertMatch(typo.stderr, /has no relayfile serve secret/);
  for (const flag of ["--workspace", "--agent"]) {
    const empty = await runRelayfile(["token", "--data", data.path, "--init", flag, ""], { env: { HOME: data.path } });
    assertEquals(empty.code, 2, empty.stderr);
  }
});

Deno.test("token prints only a token, signed for the data folder's server", async () => {
  await using data = await usingTempDir();
  const minted = await runRelayfile(
    ["token", "--data", data.path, "--init", "--workspace", "ws_other", "--agent", "ci", "--scopes", "fs:read"].concat(
      ["--ttl", "1h"],
    ),
    { env: { HOME: data.path } },
  );
  assertEquals(minted.code, 0, minted.stderr);
  assertMatch(minted.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  await using serve = await startServeProcess(data.path);
  const api = apiClient(serve.url, "ws_other", minted.stdout.trim());
  assertEquals((await api("GET", "fs/events")).status, 200);
  assertEquals((await api("POST", "fs/bulk", { files: [{ path: "/a", content: "x" }] })).status, 403);
});

Deno.test("a write answered 202 survives kill -9 of the server", async () => {
  await using data = await usingTempDir();
  const files = Array.from({ length: 50 }, (_, i) => ({ path: `/durable/f${i}.md`, content: `content ${i}` }));
  {
    const serve = await startServeProcess(data.path);
    const api = apiClient(serve.url, serve.workspace, serve.token);
    assertEquals((await api("POST", "fs/bulk", { files })).json.written, 50);
    const killed = await serve.stop("SIGKILL");
    assertEquals(killed.signal, "SIGKILL");
  }
  await using serve = await startServeProcess(data.path);
  const api = apiClient(serve.url, serve.workspace, serve.token);
  const exported = await api("GET", "fs/export?format=json&path=/durable");
  assertEquals(exported.json.length, 50);
  assertEquals(exported.json.find((file: { path: string }) => file.path === "/durable/f7.md").content, "content 7");
});

Deno.test("serve rejects a bad flag value with exit 2", async () => {
  for (const args of [["--addr", "nowhere"], ["--rate-limit", "lots"], ["--max-body-bytes", "-1"]]) {
    const result = await runRelayfile(["serve", ...args]);
    assertEquals(result.code, 2, args.join(" "));
    assertIncludes(result.stderr, `error: option '${args[0]}`);
  }
});

Deno.test("serve --tls-cert/--tls-key answers HTTPS, and a mount trusting the certificate through DENO_CERT syncs", async () => {
  await using data = await usingTempDir();
  const cert = join(data.path, "cert.pem");
  const key = join(data.path, "key.pem");
  const made = await new Deno.Command("openssl", {
    args: ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1"].concat(
      ["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
      ["-addext", "basicConstraints=critical,CA:FALSE"], // a leaf that is its own trust anchor
    ),
    stdout: "null",
    stderr: "piped",
  }).output();
  assertEquals(made.code, 0, new TextDecoder().decode(made.stderr));
  await using serve = await startServeProcess(join(data.path, "server"), ["--tls-cert", cert, "--tls-key", key]);
  assertMatch(serve.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const dir = join(data.path, "work");
  const mounted = await runRelayfile(
    ["mount", dir, "--server", serve.url, "--workspace", serve.workspace, "--once"],
    { env: { HOME: data.path, RELAYFILE_TOKEN: serve.token, DENO_CERT: cert } },
  );
  assertEquals(mounted.code, 0, mounted.stderr);
});

Deno.test("serve warns when it listens beyond this machine", async () => {
  await using data = await usingTempDir();
  const child = relayfileCommand(["serve", "--addr", "0.0.0.0:0", "--data", data.path], {
    env: { HOME: data.path },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes("\n")) {
    const { value, done } = await stderr.read();
    if (done) break;
    seen += value;
  }
  child.kill("SIGTERM");
  await child.stdout.cancel();
  await stderr.cancel();
  await child.status;
  assertMatch(seen, /warning: listening on 0\.0\.0\.0, beyond this machine, without TLS/);
});

Deno.test("serve under ulimit -n 256 holds two floods of 1,000 idle connections at its cap, answers /health meanwhile, never exits", async () => {
  await using data = await usingTempDir();
  const child = relayfileCommand(["serve", "--addr", "127.0.0.1:0", "--data", data.path], {
    env: { HOME: data.path },
    fdLimit: 256,
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const { url, drained } = await readServeBanner(child, stderr);
  const { port } = new URL(url);
  // Idle connections that never send a request, far more than the descriptors allow (loopback only, bounded).
  for (const flood of ["first", "second"]) {
    const connections: Deno.Conn[] = [];
    for (let i = 0; i < 1_000; i++) {
      connections.push(await Deno.connect({ hostname: "127.0.0.1", port: Number(port) }));
    }
    await waitFor(`/health to answer while the ${flood} flood is held open`, async () => {
      try {
        const response = await fetch(`${url}/health`);
        await response.body?.cancel();
        return response.status === 200;
      } catch {
        return false;
      }
    });
    connections.forEach((connection) => connection.close());
  }
  child.kill("SIGTERM");
  const status = await child.status;
  await drained;
  assertEquals(status.code, 0, await stderr);
  const shortages = (await stderr).split("\n").filter((line) => line.includes("file descriptors run short"));
  assertEquals(shortages.length, 1, "said once, not at each connection it refuses");
  assertMatch(shortages[0]!, /at \d+ connections: the cap is lowered to \d+ while they do \(raise ulimit -n/);
  assertMatch(await stderr, /\d+ connections open \(the connection cap\), none idle: refusing new ones\n/);
  assertNotIncludes(await stderr, "Too many open files");
});
