/**
 * The remote ⇄ local path contract, pure. Every path that crosses between the server and the mount folder goes
 * through here, so nothing from the server can name a file outside the mount.
 */
import { isAbsolute, posix, relative, resolve, sep } from "node:path";

/**
 * The mount client's normaliser (Go `normalizeRemotePath`): trim, backslashes to slashes, leading `/`,
 * clean `//`, `.` and `..`, no trailing `/`.
 */
export function normalizeRemotePath(path: string): string {
  const trimmed = path.trim().replaceAll("\\", "/");
  if (trimmed === "") return "/";
  const cleaned = posix.normalize(trimmed.startsWith("/") ? trimmed : `/${trimmed}`);
  return cleaned.length > 1 && cleaned.endsWith("/") ? cleaned.slice(0, -1) : cleaned;
}

/** True when `path` is `root` or inside it (both normalised remote paths). */
export function isUnderRoot(root: string, path: string): boolean {
  return root === "/" || path === root || path.startsWith(`${root}/`);
}

/**
 * The path of a remote file relative to the mount's remote root, as `/`-separated segments, or `undefined` when the
 * path is not under the root or is not a plain file path (empty, NUL bytes, `.`/`..` segments before cleaning).
 */
export function relativeToRoot(remoteRoot: string, remotePath: string): string | undefined {
  if (remotePath.includes("\0") || hasDotSegment(remotePath)) return undefined;
  const root = normalizeRemotePath(remoteRoot);
  const path = normalizeRemotePath(remotePath);
  if (!isUnderRoot(root, path) || path === root) return undefined;
  return root === "/" ? path.slice(1) : path.slice(root.length + 1);
}

/** The local file path of a remote path inside `localRoot`, or `undefined` when it would fall outside. */
export function localPathFor(localRoot: string, remoteRoot: string, remotePath: string): string | undefined {
  const relative = relativeToRoot(remoteRoot, remotePath);
  if (relative === undefined) return undefined;
  return [localRoot.replace(/[\\/]+$/, ""), ...relative.split("/")].join(sep);
}

/** The remote path of a file given relative to the mount folder (`docs/a.md` under root `/notion` → `/notion/docs/a.md`). */
export function remotePathFor(remoteRoot: string, relativePath: string): string {
  return normalizeRemotePath(`${normalizeRemotePath(remoteRoot)}/${relativePath.replaceAll("\\", "/")}`);
}

/**
 * Why a local file cannot be sent under its name, or `undefined`. The protocol takes `\` for a folder separator (the
 * reference's normaliser does too), so a name holding one would land as another path — which, read back, looks
 * deleted here: the file would be sent again, and deleted again, at every scan.
 */
export function unsendableLocalName(relativePath: string): string | undefined {
  return relativePath.includes("\\") ? "a backslash in a name is a folder separator on the server" : undefined;
}

/** Why a local file is never sent when the operating system hands its name over undecodable. */
export const UNDECODABLE_NAME = "its name is not valid UTF-8";

/** Provider = lower-cased first path segment (`/notion/x` → `notion`); `""` at the root. */
export function providerOf(remotePath: string): string {
  return normalizeRemotePath(remotePath).split("/")[1]?.toLowerCase() ?? "";
}

function hasDotSegment(path: string): boolean {
  return path.replaceAll("\\", "/").split("/").some((segment) => segment === "." || segment === "..");
}

/**
 * A PATH given on the command line → remote path: a file inside the mount folder (absolute, or relative to the
 * current folder) maps through the remote root; any other absolute path is taken as a remote path; any other
 * relative path is relative to the mount root.
 */
export function remotePathFromArgument(
  argument: string,
  context: { cwd: string; mountDir: string; remoteRoot: string },
): string {
  const local = resolve(context.cwd, argument);
  const inside = relative(context.mountDir, local);
  const isInside = inside !== "" && !inside.startsWith("..") && !isAbsolute(inside);
  if (isInside) return remotePathFor(context.remoteRoot, inside.split(sep).join("/"));
  if (argument.startsWith("/")) return normalizeRemotePath(argument);
  return remotePathFor(context.remoteRoot, argument);
}
