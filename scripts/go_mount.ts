// deno-lint-ignore-file no-console
/**
 * The Go reference tools, installed from npm into `.cache/go-reference/` on first use: `relayfile-mount`
 * (`@relayfile/mount-<os>-<arch>`) and the `relayfile` CLI (`@relayfile/cli-<os>-<arch>`), both pinned. The interop
 * tests run the mount beside ours; the benchmark runs both beside ours.
 *
 *   deno run --allow-read --allow-write --allow-run --allow-env scripts/go_mount.ts    installs both, prints their paths
 */
import { join } from "node:path";

export const GO_REFERENCE_VERSION = "0.10.69";

const ROOT = new URL("..", import.meta.url).pathname;

interface GoTool {
  /** npm package stem: `@relayfile/<stem>-<os>-<arch>`. */
  stem: string;
  binary: string;
}

const MOUNT: GoTool = { stem: "mount", binary: "relayfile-mount" };
const CLI: GoTool = { stem: "cli", binary: "relayfile-cli" };

export function goPackage(tool: GoTool): string {
  const os = Deno.build.os === "darwin" ? "darwin" : Deno.build.os === "windows" ? "win32" : "linux";
  const arch = Deno.build.arch === "aarch64" ? "arm64" : "x64";
  return `@relayfile/${tool.stem}-${os}-${arch}`;
}

/** The path of the Go `relayfile-mount`, installing it when it is not there yet. */
export function ensureGoMount(version = GO_REFERENCE_VERSION): Promise<string> {
  return ensureGoTool(MOUNT, version);
}

/** The path of the Go `relayfile` CLI, installing it when it is not there yet. */
export function ensureGoCli(version = GO_REFERENCE_VERSION): Promise<string> {
  return ensureGoTool(CLI, version);
}

async function ensureGoTool(tool: GoTool, version: string): Promise<string> {
  const dir = join(ROOT, ".cache", "go-reference", tool.stem, version);
  const binary = join(dir, "package", "bin", Deno.build.os === "windows" ? `${tool.binary}.exe` : tool.binary);
  if (await isFile(binary)) return binary;
  await Deno.mkdir(dir, { recursive: true });
  const spec = `${goPackage(tool)}@${version}`;
  const pack = await new Deno.Command("npm", {
    args: ["pack", spec, "--pack-destination", dir, "--silent"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!pack.success) throw new Error(`npm pack ${spec} failed: ${new TextDecoder().decode(pack.stderr)}`);
  const tarball = new TextDecoder().decode(pack.stdout).trim().split("\n").at(-1)!;
  const untar = await new Deno.Command("tar", { args: ["-xzf", join(dir, tarball), "-C", dir] }).output();
  if (!untar.success) throw new Error(`could not unpack ${tarball}`);
  await Deno.chmod(binary, 0o755);
  return binary;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

if (import.meta.main) {
  console.log(await ensureGoMount());
  console.log(await ensureGoCli());
}
