import { assertEquals, assertRejects } from "../support/assert.ts";
import { join } from "node:path";
import { configDir } from "../../src/config/config_dir.ts";
import { credentialsPath, readCredentials, writeCredentials } from "../../src/config/credentials.ts";
import { decodeTokenClaims, workspaceFromToken } from "../../src/config/token_claims.ts";
import { readWorkspaces, upsertWorkspace, workspacesPath, writeWorkspaces } from "../../src/config/workspaces.ts";
import { InvalidRecordError } from "../../src/lib/errors.ts";
import { usingTempDir } from "../support/temp_dir.ts";

const NOW = new Date("2026-11-24T10:00:00Z");

function token(claims: Record<string, unknown>): string {
  const encode = (value: unknown) =>
    btoa(JSON.stringify(value)).replaceAll("=", "").replaceAll("+", "-").replaceAll("/", "_");
  return `${encode({ alg: "HS256", typ: "JWT" })}.${encode(claims)}.signature`;
}

Deno.test("configDir() is ~/.relayfile, or ./.relayfile when no home is known", () => {
  assertEquals(configDir({ HOME: "/home/ada" }, "/work"), "/home/ada/.relayfile");
  assertEquals(configDir({ USERPROFILE: "C:/Users/ada" }, "/work"), join("C:/Users/ada", ".relayfile"));
  assertEquals(configDir({}, "/work"), "/work/.relayfile");
});

Deno.test("writeCredentials() writes the Go format with mode 0600 and reads it back", async () => {
  await using dir = await usingTempDir();
  await writeCredentials(dir.path, { server: "http://127.0.0.1:8080", token: "t0k", updatedAt: NOW.toISOString() });
  const text = await Deno.readTextFile(credentialsPath(dir.path));
  assertEquals(JSON.parse(text), { server: "http://127.0.0.1:8080", token: "t0k", updatedAt: NOW.toISOString() });
  assertEquals(text.endsWith("}\n"), true);
  assertEquals((await Deno.stat(credentialsPath(dir.path))).mode! & 0o777, 0o600);
  assertEquals((await readCredentials(dir.path))?.token, "t0k");
});

Deno.test("readCredentials() is undefined when the file is missing and an error naming the file when unparseable", async () => {
  await using dir = await usingTempDir();
  assertEquals(await readCredentials(dir.path), undefined);
  await Deno.writeTextFile(credentialsPath(dir.path), "{oops");
  await assertRejects(() => readCredentials(dir.path), InvalidRecordError, `parse ${credentialsPath(dir.path)}`);
});

Deno.test("readWorkspaces() is empty when missing and rejects a catalog of the wrong shape", async () => {
  await using dir = await usingTempDir();
  assertEquals(await readWorkspaces(dir.path), { workspaces: [] });
  await Deno.writeTextFile(workspacesPath(dir.path), JSON.stringify({ workspaces: [{ id: 3 }] }));
  await assertRejects(() => readWorkspaces(dir.path), InvalidRecordError, "workspaces.0.name");
});

Deno.test("readWorkspaces() keeps fields it does not know, so a Go CLI's catalog survives a rewrite", async () => {
  await using dir = await usingTempDir();
  await Deno.writeTextFile(
    workspacesPath(dir.path),
    JSON.stringify({ default: "b", futureField: 1, workspaces: [{ name: "b", createdAt: "x", relayCloud: true }] }),
  );
  const catalog = await readWorkspaces(dir.path);
  await writeWorkspaces(dir.path, catalog);
  const written = JSON.parse(await Deno.readTextFile(workspacesPath(dir.path)));
  assertEquals(written.futureField, 1);
  assertEquals(written.workspaces[0].relayCloud, true);
});

Deno.test("upsertWorkspace() adds a record with the Go defaults and becomes the default", () => {
  const catalog = upsertWorkspace({ workspaces: [] }, { name: "demo", localDir: "/mnt/demo" }, NOW);
  assertEquals(catalog.default, "demo");
  assertEquals(catalog.workspaces, [{
    createdAt: NOW.toISOString(),
    scopes: ["fs:read", "fs:write"],
    name: "demo",
    localDir: "/mnt/demo",
    id: "demo",
    lastUsedAt: NOW.toISOString(),
  }]);
});

Deno.test("upsertWorkspace() merges only non-empty fields into the record matched by id", () => {
  const first = upsertWorkspace({ workspaces: [] }, { name: "demo", id: "ws_demo", server: "http://a" }, NOW);
  const second = upsertWorkspace(first, { name: "ws_demo", id: "ws_demo", server: "", localDir: "/mnt/x" }, NOW);
  assertEquals(second.workspaces.length, 1);
  assertEquals(second.workspaces[0]!.server, "http://a");
  assertEquals(second.workspaces[0]!.localDir, "/mnt/x");
});

Deno.test("writeWorkspaces() sorts records by name", async () => {
  await using dir = await usingTempDir();
  await writeWorkspaces(dir.path, {
    workspaces: [{ name: "zeta", createdAt: "" }, { name: "alpha", createdAt: "" }],
  });
  const names = (await readWorkspaces(dir.path)).workspaces.map((record) => record.name);
  assertEquals(names, ["alpha", "zeta"]);
});

Deno.test("workspaceFromToken() reads workspace_id before wks, without verifying", () => {
  assertEquals(workspaceFromToken(token({ workspace_id: "ws_a", wks: "ws_b" })), "ws_a");
  assertEquals(workspaceFromToken(token({ wks: "ws_b" })), "ws_b");
  assertEquals(workspaceFromToken("not-a-jwt"), undefined);
  assertEquals(decodeTokenClaims(token({ sub: "agent" }))?.sub, "agent");
});
