/**
 * The layer check: fails when an import under `src/` goes against the layers of design.md, or when a pure module
 * reads the world. Reads the import graph from `deno info --json` over every file under `src/`.
 *
 *   deno run --allow-read --allow-write --allow-run --allow-env scripts/check_boundaries.ts [ROOT]
 */
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** Which folders each folder of `src/` may import (besides itself). `main` is `src/main.ts` and other root files. */
export const LAYERS: Record<string, readonly string[]> = {
  main: ["commands", "lib"],
  commands: ["mount", "inspect", "writeback", "relay", "remote", "protocol", "config", "server", "lib"],
  mount: ["writeback", "relay", "remote", "protocol", "config", "lib"],
  inspect: ["writeback", "relay", "protocol", "config", "lib"],
  writeback: ["relay", "remote", "protocol", "lib"],
  remote: ["protocol", "lib"],
  relay: ["protocol", "lib"],
  server: ["protocol", "lib"],
  config: ["protocol", "lib"],
  protocol: ["lib"],
  lib: [],
};

/** Modules that must not touch the world: no `Deno.*`, network, clock or randomness (all are passed in). */
export const PURE_MODULES: readonly string[] = [
  "protocol/paths.ts",
  "protocol/scopes.ts",
  "protocol/content.ts",
  "protocol/wire.ts",
  "protocol/merge.ts",
  "relay/classify.ts",
  "relay/records.ts",
  "relay/conflict_names.ts",
  "relay/heartbeat.ts",
  "relay/_schemas.ts",
  "writeback/op.ts",
  "writeback/policy.ts",
  "writeback/circuit.ts",
  "writeback/scheduler.ts",
  "writeback/op_table.ts",
  "lib/redact.ts",
  "lib/table.ts",
  "lib/log.ts",
  "mount/decide.ts",
  "mount/ignore.ts",
  "mount/public_state.ts",
  "mount/status.ts",
  "mount/tracked.ts",
  "inspect/status.ts",
  "inspect/list.ts",
  "inspect/path_status.ts",
  "inspect/push_outcome.ts",
  "config/token_claims.ts",
  "server/paths.ts",
  "server/rate_limit.ts",
  "server/store_rows.ts",
  "server/provider.ts",
  "lib/errors.ts",
  "remote/errors.ts",
  "lib/duration.ts",
  "lib/glob.ts",
  "lib/schema_issues.ts",
  "lib/map_concurrent.ts",
  "lib/backoff.ts",
  "lib/chunks.ts",
];

const IMPURE = [
  /\bDeno\./,
  /\bfetch\(/,
  /\bDate\.now\(/,
  /\bnew Date\(\)/,
  /\bMath\.random\(/,
  /\bset(Timeout|Interval)\(/,
  /\bperformance\./,
  /\bcrypto\./,
];

/** One import between two files, paths relative to `src/`; `typeOnly` for `import type`. */
export interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
}

export interface Violation {
  from: string;
  to?: string;
  rule: string;
}

/** The folder of a path relative to `src/`: its first segment, or `main` for a file at the root. */
export function layerOf(path: string): string {
  return path.includes("/") ? path.slice(0, path.indexOf("/")) : "main";
}

/** Pure: the violations among `imports` (edges between paths relative to `src/`) and the pure modules' sources. */
export function findViolations(
  imports: readonly Import[],
  pureSources: ReadonlyMap<string, string>,
): Violation[] {
  const violations: Violation[] = [];
  const pure = new Set(PURE_MODULES);
  for (const { from, to, typeOnly } of imports) {
    const [a, b] = [layerOf(from), layerOf(to)];
    if (a !== b && !(LAYERS[a] ?? []).includes(b)) {
      violations.push({ from, to, rule: `${a}/ may not import ${b}/ (allowed: ${(LAYERS[a] ?? []).join(", ")})` });
    }
    if (a === "commands" && b === "commands" && !isHelper(from) && !isHelper(to) && !from.endsWith("/mod.ts")) {
      violations.push({ from, to, rule: "one command may not import another (share through a _helper.ts)" });
    }
    if (pure.has(from) && !pure.has(to) && !typeOnly) {
      violations.push({ from, to, rule: "a pure module imports only pure modules (types aside)" });
    }
  }
  for (const [path, source] of pureSources) {
    const code = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    const hit = IMPURE.find((pattern) => pattern.test(code));
    if (hit) violations.push({ from: path, rule: `a pure module may not use ${hit.source.replaceAll("\\", "")}` });
  }
  return violations;
}

function isHelper(path: string): boolean {
  return path.slice(path.lastIndexOf("/") + 1).startsWith("_");
}

/** Reads the graph of every `.ts` file under `ROOT/src` through `deno info --json`, then checks it. */
export async function checkBoundaries(root: string): Promise<Violation[]> {
  const src = resolve(root, "src");
  const files: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile && entry.name.endsWith(".ts")) files.push(path);
    }
  };
  await walk(src);
  const entry = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(entry, files.map((file) => `import "${pathToFileURL(file).href}";\n`).join(""));
    const output = await new Deno.Command(Deno.execPath(), { args: ["info", "--json", entry], cwd: root }).output();
    if (!output.success) throw new Error(`deno info failed: ${new TextDecoder().decode(output.stderr)}`);
    const graph = JSON.parse(new TextDecoder().decode(output.stdout)) as {
      modules: {
        specifier: string;
        dependencies?: { code?: { specifier?: string }; type?: { specifier?: string } }[];
      }[];
    };
    const prefix = pathToFileURL(src).href + "/";
    const inSrc = (specifier: string | undefined) =>
      specifier?.startsWith(prefix) ? decodeURIComponent(specifier.slice(prefix.length)) : undefined;
    const imports: Import[] = [];
    for (const module of graph.modules) {
      const from = inSrc(module.specifier);
      if (from === undefined) continue;
      for (const dependency of module.dependencies ?? []) {
        const code = inSrc(dependency.code?.specifier);
        const type = inSrc(dependency.type?.specifier);
        if (code !== undefined) imports.push({ from, to: code, typeOnly: false });
        else if (type !== undefined) imports.push({ from, to: type, typeOnly: true });
      }
    }
    const pureSources = new Map<string, string>();
    for (const file of files) {
      const path = relative(src, file).split("\\").join("/");
      if (PURE_MODULES.includes(path)) pureSources.set(path, await Deno.readTextFile(file));
    }
    return findViolations(imports, pureSources);
  } finally {
    await Deno.remove(entry);
  }
}

if (import.meta.main) {
  const root = Deno.args[0] ?? ".";
  const violations = await checkBoundaries(root);
  for (const violation of violations) {
    // deno-lint-ignore no-console
    console.error(
      `boundaries: src/${violation.from}${violation.to ? ` → src/${violation.to}` : ""}: ${violation.rule}`,
    );
  }
  if (violations.length > 0) Deno.exit(1);
  // deno-lint-ignore no-console
  console.error("boundaries: ok");
}
