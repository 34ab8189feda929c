import { assertEquals, assertIncludes } from "../support/assert.ts";

Deno.test("deno task demo runs the whole thing and cleans up", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../scripts/demo.ts", import.meta.url).pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  assertEquals(output.code, 0, new TextDecoder().decode(output.stderr));
  assertIncludes(stdout, "pulled docs/welcome.md into the folder");
  assertIncludes(stdout, "it is on the server");
  assertIncludes(stdout, "it is in the folder: work/docs/from-an-agent.md");
  assertIncludes(stdout, "no failures");
  assertIncludes(stdout, "3 files, 0 pending, 0 dead-lettered, 0 conflicts");
});
