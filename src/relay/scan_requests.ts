/**
 * `<mount>/.relay/requests/<id>.json`: paths another process asks the running mount to look at now (`writeback push`
 * while a mount runs). The mount takes them on its heartbeat and detects them as it does watch hints, so a change it
 * has already seen is not sent twice. A request is a hint, not a change: losing one loses nothing, since the files
 * themselves are in the folder and the next scan finds them.
 */
import { join } from "node:path";
import * as v from "valibot";
import { writeFileAtomic } from "../lib/atomic_write.ts";
import { relativeToRoot } from "../protocol/paths.ts";
import { PRIVATE } from "./private.ts";
import { relayPaths } from "./relay_dir.ts";

const RequestSchema = v.object({ paths: v.array(v.string()) });

function requestsDir(mountDir: string): string {
  return join(relayPaths(mountDir).root, "requests");
}

/** Asks the mount of `mountDir` to look at these paths (relative to the mount, `/`-separated). */
export async function requestScan(mountDir: string, relativePaths: readonly string[]): Promise<void> {
  const file = join(requestsDir(mountDir), `${crypto.randomUUID()}.json`);
  await writeFileAtomic(file, JSON.stringify({ paths: relativePaths }), PRIVATE);
}

/** A plain path inside the mount: no `..`, no leading `/`, nothing a request could use to name a file outside. */
function isPlainRelative(path: string): boolean {
  return relativeToRoot("/", `/${path}`) === path;
}

/**
 * The paths asked for since the last call; the requests are removed. Unreadable requests, and paths that are not
 * plain paths inside the mount, are dropped.
 */
export async function takeScanRequests(mountDir: string): Promise<string[]> {
  const dir = requestsDir(mountDir);
  let names: string[];
  try {
    names = (await Array.fromAsync(Deno.readDir(dir)))
      .filter((entry) => entry.isFile && entry.name.endsWith(".json") && !entry.name.startsWith("."))
      .map((entry) => entry.name);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  const paths = new Set<string>();
  for (const name of names) {
    const file = join(dir, name);
    try {
      const parsed = v.safeParse(RequestSchema, JSON.parse(await Deno.readTextFile(file)));
      if (parsed.success) parsed.output.paths.filter(isPlainRelative).forEach((path) => paths.add(path));
    } catch {
      // a request half-written by a crashed process: the file itself is still in the folder for the next scan
    }
    await Deno.remove(file).catch(() => {});
  }
  return [...paths];
}
