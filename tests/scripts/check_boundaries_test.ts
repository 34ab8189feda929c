import { join } from "node:path";
import { checkBoundaries, findViolations } from "../../scripts/check_boundaries.ts";
import { assertEquals, assertIncludes, assertMatch, assertOk } from "../support/assert.ts";
import { usingTempDir } from "../support/temp_dir.ts";

const script = new URL("../../scripts/check_boundaries.ts", import.meta.url).pathname;

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    const file = join(root, path);
    await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(file, text);
  }
}

Deno.test("checkBoundaries() finds no violation in this project's src/", async () => {
  assertEquals(await checkBoundaries(new URL("../..", import.meta.url).pathname), []);
});

Deno.test("the boundary check fails on an import against the layers, naming both files", async () => {
  await using tree = await usingTempDir();
  await writeTree(tree.path, {
    "src/mount/engine.ts": "export const engine = 1;\n",
    "src/remote/client.ts": 'import { engine } from "../mount/engine.ts";\nexport const client = engine;\n',
  });
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-run", "--allow-env", script, tree.path],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assertEquals(output.code, 1, stderr);
  assertIncludes(stderr, "src/remote/client.ts → src/mount/engine.ts: remote/ may not import mount/");
});

Deno.test("checkBoundaries() passes the same tree once the import flows downward", async () => {
  await using tree = await usingTempDir();
  await writeTree(tree.path, {
    "src/remote/client.ts": "export const client = 1;\n",
    "src/mount/engine.ts": 'import { client } from "../remote/client.ts";\nexport const engine = client;\n',
  });
  assertEquals(await checkBoundaries(tree.path), []);
});

Deno.test("findViolations() refuses a pure module that reads the clock, and one command importing another", () => {
  const violations = findViolations(
    [
      { from: "commands/token.ts", to: "commands/serve.ts", typeOnly: false },
      { from: "commands/token.ts", to: "commands/_filters.ts", typeOnly: false },
      { from: "writeback/policy.ts", to: "writeback/queue.ts", typeOnly: true },
    ],
    new Map([["writeback/policy.ts", "// Date.now() in a comment is fine\nexport const t = Date.now();\n"]]),
  );
  assertEquals(violations.length, 2, JSON.stringify(violations));
  assertMatch(violations[0]!.rule, /one command may not import another/);
  assertOk(violations[1]!.rule.includes("Date.now("));
});

Deno.test("findViolations() refuses a pure module importing an impure one, but not its types", () => {
  const violations = findViolations([
    { from: "writeback/scheduler.ts", to: "writeback/queue.ts", typeOnly: false },
    { from: "writeback/op_table.ts", to: "writeback/queue.ts", typeOnly: true },
  ], new Map());
  assertEquals(violations.map((violation) => violation.from), ["writeback/scheduler.ts"]);
});
