import { checkWorkflows, retiredLabelsIn } from "../../scripts/check_workflows.ts";
import { assertEquals, assertIncludes } from "../support/assert.ts";

Deno.test("this project's workflows are valid and ask for no retired runner", async () => {
  assertEquals(await checkWorkflows(new URL("../../.github/workflows", import.meta.url).pathname), []);
});

Deno.test("a workflow that asks for a retired runner label fails the check, naming the line and the date", async () => {
  const problems = await checkWorkflows(new URL("../fixtures/workflows/retired", import.meta.url).pathname);
  assertEquals(problems.length, 1);
  assertIncludes(problems[0]!.message, "line 10: runner label macos-13 was retired on 2025-12-04");
});

Deno.test("retired labels are matched as whole labels, not inside newer ones or comments", () => {
  assertEquals(retiredLabelsIn("w.yml", "runs-on: macos-15-intel\n# once macos-13\nruns-on: macos-130"), []);
  assertEquals(retiredLabelsIn("w.yml", "runs-on: [ubuntu-20.04]").length, 1);
});
