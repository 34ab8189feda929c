// deno-lint-ignore-file no-console
/**
 * The runtime flags of the shipped binary — its permissions and its V8 flags — read from the `compile` task in
 * deno.json, the one place they are written. The release workflow prints them with `deno run --allow-read scripts/permission_flags.ts`; the
 * end-to-end tests run `src/main.ts` with exactly these flags.
 */

const FORBIDDEN = ["--allow-all", "-A", "--allow-run", "--allow-ffi", "--allow-sys"];

export function permissionFlags(denoJson: { tasks?: Record<string, string> }): string[] {
  const task = denoJson.tasks?.compile;
  if (!task) throw new Error("deno.json has no compile task");
  const flags = task.split(/\s+/).filter((token) =>
    token.startsWith("--allow-") || token === "-A" || token.startsWith("--v8-flags=")
  );
  const forbidden = flags.filter((flag) => FORBIDDEN.some((name) => flag === name || flag.startsWith(`${name}=`)));
  if (forbidden.length > 0) throw new Error(`the compile task grants forbidden permissions: ${forbidden.join(" ")}`);
  return flags;
}

export async function readPermissionFlags(denoJsonPath = new URL("../deno.json", import.meta.url)): Promise<string[]> {
  return permissionFlags(JSON.parse(await Deno.readTextFile(denoJsonPath)));
}

/**
 * What `deno run src/main.ts` needs besides the binary's flags to start as the binary does. Under `deno run`, Deno
 * reads and resolves every module a literal `import()` names before the program starts (each command's whole tree,
 * measured: +8 ms and +5 MiB for `--version`, which loads none of them); a compiled binary carries its modules with
 * it and loads each when imported. This flag makes `deno run` load them when imported too. Never for `deno compile`:
 * there it would leave the commands out of the binary.
 */
export const RUN_FROM_SOURCE_FLAGS = ["--unstable-lazy-dynamic-imports"];

/** The flags that run this checkout as the binary runs: for the tests, the benchmark, the demo and `deno task install`. */
export async function readRunFlags(denoJsonPath = new URL("../deno.json", import.meta.url)): Promise<string[]> {
  return [...RUN_FROM_SOURCE_FLAGS, ...await readPermissionFlags(denoJsonPath)];
}

if (import.meta.main) {
  console.log((await readPermissionFlags()).join(" "));
}
