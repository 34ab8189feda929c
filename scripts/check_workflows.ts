// deno-lint-ignore-file no-console
/**
 * `deno task workflows`: every `.github/workflows/*.yml` is valid against GitHub's workflow schema (npm
 * `@action-validator/cli`), and no job asks for a runner label GitHub has retired (a job on such a label never gets
 * a runner, and a release that `needs` it never ships). The retired labels are listed here, with the date each went.
 */
import { join } from "node:path";

/** Runner labels GitHub no longer serves, and when each was retired (github.blog changelog). */
export const RETIRED_RUNNER_LABELS: Record<string, string> = {
  "ubuntu-18.04": "2023-04-03",
  "ubuntu-20.04": "2025-04-15",
  "macos-10.15": "2022-08-30",
  "macos-11": "2024-06-28",
  "macos-12": "2024-12-03",
  "macos-13": "2025-12-04",
  "macos-13-xl": "2025-12-04",
  "macos-13-large": "2025-12-04",
  "windows-2016": "2022-03-15",
  "windows-2019": "2025-06-30",
};

export interface WorkflowProblem {
  file: string;
  message: string;
}

/** Retired labels named in a workflow's text (as `runs-on`, a matrix value or anywhere a label goes). */
export function retiredLabelsIn(file: string, text: string): WorkflowProblem[] {
  const problems: WorkflowProblem[] = [];
  text.split("\n").forEach((line, index) => {
    const code = line.replace(/#.*$/, "");
    for (const [label, retired] of Object.entries(RETIRED_RUNNER_LABELS)) {
      if (new RegExp(`(^|[\\s:,"'\\[{])${label.replaceAll(".", "\\.")}($|[\\s,"'\\]}])`).test(code)) {
        problems.push({ file, message: `line ${index + 1}: runner label ${label} was retired on ${retired}` });
      }
    }
  });
  return problems;
}

/**
 * Keys GitHub added after the validator's schema was written, dropped from the copy that is validated: the
 * `attestations` permission (2024) that build provenance needs.
 */
const NEWER_THAN_SCHEMA = [/^\s*attestations:\s*(read|write|none)\s*$/];

/** Schema problems of one workflow file, as the validator prints them (none when valid). */
async function schemaProblems(file: string): Promise<WorkflowProblem[]> {
  const text = await Deno.readTextFile(file);
  const copy = await Deno.makeTempFile({ suffix: ".yml" });
  await Deno.writeTextFile(
    copy,
    text.split("\n").filter((line) => !NEWER_THAN_SCHEMA.some((pattern) => pattern.test(line))).join("\n"),
  );
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--allow-read", "--allow-env", "npm:@action-validator/cli@0.6.0", copy],
    stdout: "piped",
    stderr: "piped",
  }).output().finally(() => Deno.remove(copy));
  if (output.code === 0) return [];
  const report = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  return [{ file, message: `does not match the workflow schema:\n${report.trim()}` }];
}

export async function checkWorkflows(dir: string): Promise<WorkflowProblem[]> {
  const files = (await Array.fromAsync(Deno.readDir(dir)))
    .filter((entry) => entry.isFile && /\.ya?ml$/.test(entry.name))
    .map((entry) => join(dir, entry.name)).sort();
  const problems: WorkflowProblem[] = [];
  for (const file of files) {
    problems.push(...retiredLabelsIn(file, await Deno.readTextFile(file)), ...await schemaProblems(file));
  }
  return problems;
}

if (import.meta.main) {
  const dir = Deno.args[0] ?? new URL("../.github/workflows", import.meta.url).pathname;
  const problems = await checkWorkflows(dir);
  for (const problem of problems) console.error(`workflows: ${problem.file}: ${problem.message}`);
  console.error(problems.length === 0 ? "workflows: ok" : `workflows: ${problems.length} problem(s)`);
  if (problems.length > 0) Deno.exit(1);
}
