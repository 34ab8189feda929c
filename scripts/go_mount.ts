// deno-lint-ignore-file no-console
/**
 * The Go reference mount (`relayfile-mount` from npm `@relayfile/mount-<os>-<arch>`, pinned), installed into
 * `.cache/go-mount/` on first use: the interop tests and the benchmark run it beside ours.
 *
 *   deno run --allow-read --allow-write --allow-run --allow-env scripts/go_mount.ts    installs and prints its path
 */
import { join } from "node:path";

export const GO_MOUNT_VERSION = "0.10.69";

const ROOT = new URL("..", import.meta.url).pathname;

export function goMountPackage(): string {
  const os = Deno.build.os === "darwin" ? "darwin" : Deno.build.os === "windows" ? "win32" : "linux";
  const arch = Deno.build.arch === "aarch64" ? "arm64" : "x64";
  return `@relayfile/mount-${os}-${arch}`;
}

/** The path of the installed binary, installing it with `npm pack` when it is not there yet. */
export async function ensureGoMount(version = GO_MOUNT_VERSION): Promise<string> {
  const dir = join(ROOT, ".cache", "go-mount", version);
  const binary = join(dir, "package", "bin", Deno.build.os === "windows" ? "relayfile-mount.exe" : "relayfile-mount");
  if (await isFile(binary)) return binary;
  await Deno.mkdir(dir, { recursive: true });
  const spec = `${goMountPackage()}@${version}`;
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

if (import.meta.main) console.log(await ensureGoMount());
