import { join } from "node:path";
import { assertEquals, assertIncludes } from "../support/assert.ts";
import { runRelayfile } from "../support/cli.ts";
import { usingTempDir } from "../support/temp_dir.ts";

/** What bash offers after `words` (the last one being completed), with the script sourced. */
async function bashCompletes(script: string, words: string[]): Promise<string[]> {
  await using dir = await usingTempDir();
  const file = join(dir.path, "relayfile.bash");
  await Deno.writeTextFile(file, script);
  const line = `source ${file}; COMP_WORDS=(${words.map((word) => `'${word}'`).join(" ")}); ` +
    `COMP_CWORD=${words.length - 1}; _relayfile; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const output = await new Deno.Command("bash", { args: ["--norc", "-c", line], stdout: "piped" }).output();
  return new TextDecoder().decode(output.stdout).split("\n").filter(Boolean);
}

Deno.test("relayfile completions bash, sourced in bash, completes writeback st to status and options by level", async () => {
  const result = await runRelayfile(["completions", "bash"]);
  assertEquals(result.code, 0, result.stderr);
  assertEquals(await bashCompletes(result.stdout, ["relayfile", "writeback", "st"]), ["status"]);
  assertEquals(await bashCompletes(result.stdout, ["relayfile", "writeback", "status", "--fail"]), [
    "--fail-on-conflict",
  ]);
  assertEquals(await bashCompletes(result.stdout, ["relayfile", "mo"]), ["mount"]);
});

Deno.test("relayfile completions zsh and fish come from the same tree", async () => {
  const zsh = await runRelayfile(["completions", "zsh"]);
  assertIncludes(zsh.stdout, "bashcompinit");
  const fish = await runRelayfile(["completions", "fish"]);
  assertIncludes(
    fish.stdout,
    "complete -c relayfile -n '__fish_use_subcommand' -a 'mount serve token upgrade completions writeback'",
  );
  assertIncludes(fish.stdout, "-l fail-on-conflict");
  assertEquals((await runRelayfile(["completions", "tcsh"])).code, 2);
});
