// deno-lint-ignore-file no-console
/**
 * `deno task install`: puts a `relayfile` command on PATH that runs this checkout with exactly the compile task's
 * flags (the binary's permissions), from any folder, with this checkout's frozen lockfile. A small launcher script
 * in `$RELAYFILE_INSTALL` (default `~/.local/bin`); `git pull` updates what it runs. Windows gets a `.cmd` beside it.
 */
import { join } from "node:path";
import { readRunFlags } from "./permission_flags.ts";

export async function launcherScript(root: string, windows: boolean): Promise<string> {
  const flags = (await readRunFlags(new URL(`file://${join(root, "deno.json")}`))).join(" ");
  const config = join(root, "deno.json");
  const main = join(root, "src", "main.ts");
  return windows
    ? `@echo off\r\ndeno run --quiet --no-prompt ${flags} --config "${config}" "${main}" %*\r\n`
    : `#!/bin/sh\n# relayfile from source (${root}), installed by deno task install\n` +
      `exec deno run --quiet --no-prompt ${flags} --config '${config}' '${main}' "$@"\n`;
}

if (import.meta.main) {
  const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  const home = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE") ?? ".";
  const dir = Deno.env.get("RELAYFILE_INSTALL") || join(home, ".local", "bin");
  const windows = Deno.build.os === "windows";
  const target = join(dir, windows ? "relayfile.cmd" : "relayfile");
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(target, await launcherScript(root, windows), { mode: 0o755 });
  if (!windows) await Deno.chmod(target, 0o755);
  console.log(`installed ${target} (runs ${root}/src/main.ts with the compile task's permissions)`);
  const onPath = (Deno.env.get("PATH") ?? "").split(windows ? ";" : ":").includes(dir);
  if (!onPath) console.log(`add it to PATH:  export PATH="${dir}:$PATH"`);
}
