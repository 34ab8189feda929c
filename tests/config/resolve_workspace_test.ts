import { assertEquals, assertThrows } from "../support/assert.ts";
import { resolveWorkspace } from "../../src/config/resolve_workspace.ts";
import type { WorkspaceCatalog } from "../../src/config/workspaces.ts";
import { UsageError } from "../../src/lib/errors.ts";

const catalog: WorkspaceCatalog = {
  default: "personal",
  workspaces: [
    { name: "demo", id: "ws_demo", createdAt: "2026-01-01T00:00:00Z", localDir: "/mnt/demo" },
    { name: "personal", createdAt: "2026-01-01T00:00:00Z", localDir: "/mnt/personal" },
  ],
};

Deno.test("resolveWorkspace() matches the argument by catalog name first", () => {
  const resolved = resolveWorkspace({ arg: "demo", catalog, envWorkspace: "personal" });
  assertEquals(resolved.id, "ws_demo");
  assertEquals(resolved.record?.localDir, "/mnt/demo");
});

Deno.test("resolveWorkspace() matches the argument by catalog id", () => {
  assertEquals(resolveWorkspace({ arg: "ws_demo", catalog }).record?.name, "demo");
});

Deno.test("resolveWorkspace() takes an unknown argument verbatim, without a record", () => {
  assertEquals(resolveWorkspace({ arg: "ws_elsewhere", catalog }), { id: "ws_elsewhere" });
});

Deno.test("resolveWorkspace() uses a record's name as its id when the id is blank", () => {
  assertEquals(resolveWorkspace({ arg: "personal", catalog }).id, "personal");
});

Deno.test("resolveWorkspace() falls back to RELAYFILE_WORKSPACE, then the token claim, then the default", () => {
  assertEquals(resolveWorkspace({ catalog, envWorkspace: "demo", tokenWorkspace: "ws_token" }).id, "ws_demo");
  assertEquals(resolveWorkspace({ catalog, tokenWorkspace: "ws_demo" }).record?.name, "demo");
  assertEquals(resolveWorkspace({ catalog }).id, "personal");
});

Deno.test("resolveWorkspace() ignores blank sources", () => {
  assertEquals(resolveWorkspace({ arg: "  ", envWorkspace: "", tokenWorkspace: " ", catalog }).id, "personal");
});

Deno.test("resolveWorkspace() is a usage error when nothing names a workspace", () => {
  assertThrows(() => resolveWorkspace({ catalog: { workspaces: [] } }), UsageError, "workspace is required");
});
