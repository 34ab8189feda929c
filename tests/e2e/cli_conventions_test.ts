import { permissionFlags, readPermissionFlags, RUN_FROM_SOURCE_FLAGS } from "../../scripts/permission_flags.ts";
import { ENVIRONMENT_VARIABLES } from "../../src/lib/environment.ts";
import { VERSION } from "../../src/lib/version.ts";
import { assertEquals, assertIncludes, assertNotIncludes, assertOk, assertThrows } from "../support/assert.ts";
import { runRelayfile } from "../support/cli.ts";
import { fixtureHome } from "./_mount.ts";

const denoJson = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));

Deno.test("the compile task grants read, write, net and only the environment variables the program reads", async () => {
  const flags = await readPermissionFlags();
  assertEquals(flags.filter((flag) => flag.startsWith("--allow-") && !flag.startsWith("--allow-env")), [
    "--allow-read",
    "--allow-write",
    "--allow-net",
  ]);
  const env = flags.find((flag) => flag.startsWith("--allow-env="));
  assertOk(env, "--allow-env must be scoped to names");
  assertEquals(env.slice("--allow-env=".length).split(",").sort(), [...ENVIRONMENT_VARIABLES].sort());
});

Deno.test("permissionFlags() refuses a compile task with a forbidden permission", () => {
  for (const flag of ["--allow-all", "-A", "--allow-run", "--allow-ffi", "--allow-sys", "--allow-run=git"]) {
    assertThrows(() => permissionFlags({ tasks: { compile: `deno compile ${flag} src/main.ts` } }), Error, "forbidden");
  }
});

Deno.test("lazy dynamic imports are for deno run only: deno compile would leave the commands out of the binary", () => {
  assertNotIncludes(denoJson.tasks.compile, "lazy-dynamic-imports");
  assertEquals((denoJson.unstable ?? []).includes("lazy-dynamic-imports"), false);
  assertEquals(permissionFlags(denoJson).some((flag) => RUN_FROM_SOURCE_FLAGS.includes(flag)), false);
});

Deno.test("the release workflow builds with the flags from deno.json", async () => {
  const workflow = await Deno.readTextFile(new URL("../../.github/workflows/release.yml", import.meta.url));
  assertIncludes(workflow, "scripts/permission_flags.ts");
  assertNotIncludes(workflow, "--allow-all");
});

Deno.test("--version prints the version of deno.json", async () => {
  assertEquals(VERSION, denoJson.version);
  const result = await runRelayfile(["--version"]);
  assertEquals([result.code, result.stdout], [0, `${VERSION}\n`]);
});

Deno.test("--help works on every command under the binary's permissions", async () => {
  for (
    const command of [[], ["writeback"], ["writeback", "status"], ["writeback", "list"], ["writeback", "retry"], [
      "writeback",
      "discard",
    ]]
  ) {
    const result = await runRelayfile([...command, "--help"]);
    assertEquals(result.code, 0, command.join(" "));
    assertIncludes(result.stdout, `Usage: relayfile ${command.join(" ")}`.trimEnd());
  }
});

Deno.test("an unknown flag is a usage error that names the flag", async () => {
  const result = await runRelayfile(["writeback", "status", "--jsn"]);
  assertEquals(result.code, 2);
  assertIncludes(result.stderr, "error: unknown option '--jsn'");
  assertIncludes(result.stderr, "(Did you mean --json?)");
});

Deno.test("an unknown command and a missing subcommand are usage errors", async () => {
  assertEquals((await runRelayfile(["writeback", "frobnicate"])).code, 2);
  const bare = await runRelayfile(["writeback"]);
  assertEquals(bare.code, 2);
  assertIncludes(bare.stderr, "Usage: relayfile writeback");
});

Deno.test("errors carry no colour codes when NO_COLOR is set or output is not a terminal", async () => {
  await using m = await fixtureHome("go-seed");
  for (const env of [m.env, { ...m.env, NO_COLOR: "1" }, { ...m.env, FORCE_COLOR: "1", CLICOLOR_FORCE: "1" }]) {
    const result = await runRelayfile(["writeback", "status", "--dir", m.mount], { env });
    assertEquals(result.code, 1);
    assertNotIncludes(result.stdout + result.stderr, "\x1b[");
  }
});

Deno.test("status and list need only read access and the listed environment variables", async () => {
  await using m = await fixtureHome("go-seed");
  const envFlag = `--allow-env=${ENVIRONMENT_VARIABLES.join(",")}`;
  const readOnly = ["--allow-read", envFlag];
  const status = await runRelayfile(["writeback", "status", "--json", "--dir", m.mount], {
    env: m.env,
    flags: readOnly,
  });
  assertEquals(status.code, 1, status.stderr);
  const list = await runRelayfile(["writeback", "list", "--dir", m.mount], { env: m.env, flags: readOnly });
  assertEquals(list.code, 0, list.stderr);
  const retry = await runRelayfile(["writeback", "retry", "--all", "--dir", m.mount], { env: m.env, flags: readOnly });
  assertEquals(retry.code, 3, "retry writes to the mount, so it needs --allow-write");
  assertIncludes(retry.stderr, "Requires write access");
  assertIncludes(retry.stderr, "hint: the README's Permissions table");
});

Deno.test("a sandbox that grants fewer environment variables still runs", async () => {
  await using m = await fixtureHome("go-lifetime-counter");
  const result = await runRelayfile(["writeback", "status", "--dir", m.mount], {
    env: m.env,
    flags: ["--allow-read", "--allow-env=HOME"],
  });
  assertEquals(result.code, 0, result.stderr);
});

Deno.test("help shows defaults the way a user types them", async () => {
  const mount = await runRelayfile(["mount", "--help"]);
  assertIncludes(mount.stdout, "poll and full-scan period (default: 30s)");
  assertIncludes(mount.stdout, "(default: 24h)");
  const serve = await runRelayfile(["serve", "--help"]);
  assertIncludes(serve.stdout, "(default: 127.0.0.1:8080)");
});

Deno.test("a wait longer than a timer can hold is a usage error, not a wait that ends at once", async () => {
  for (
    const args of [
      ["mount", "--interval", "30d"],
      ["mount", "--drain-timeout", "25d"],
      ["writeback", "status", "--wait", "30d"],
      ["writeback", "push", "x.md", "--timeout", "30d"],
    ]
  ) {
    const result = await runRelayfile(args);
    assertEquals(result.code, 2, args.join(" "));
    assertIncludes(result.stderr, "expected a duration of at most 24d");
  }
  const longAge = await runRelayfile(["writeback", "list", "--older-than", "30d", "--dir", "/nonexistent"]);
  assertEquals(longAge.stderr.includes("at most"), false, "an age is not a wait");
});
