/**
 * The store's path rules (spec §1.6, contract fixtures §8), pure. Deliberately not the client's cleaning normaliser:
 * the server keeps what it is given, so that `/a/../b` and `/b` stay different keys — and `validStorePath` refuses
 * such paths at the door instead of storing them.
 */

/** Empty → `/`; a leading `/` added; exactly one trailing `/` trimmed. Nothing else. */
export function normalizeStorePath(path: string): string {
  if (path === "") return "/";
  const withSlash = path.startsWith("/") ? path : `/${path}`;
  return withSlash.length > 1 && withSlash.endsWith("/") ? withSlash.slice(0, -1) : withSlash;
}

/** Base `/` contains everything; otherwise equality or a `base + "/"` prefix, byte-exact. */
export function containsPath(base: string, candidate: string): boolean {
  const normalizedBase = normalizeStorePath(base);
  const normalizedCandidate = normalizeStorePath(candidate);
  return normalizedBase === "/" || normalizedCandidate === normalizedBase ||
    normalizedCandidate.startsWith(`${normalizedBase}/`);
}

/**
 * Why a file path cannot be stored, or `undefined` when it can: no NUL or control characters, no empty, `.` or `..`
 * segments, not the root, at most 4096 bytes.
 */
export function invalidPathReason(path: string): string | undefined {
  if (path.trim() === "") return "path is required";
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return "path contains control characters";
  if (new TextEncoder().encode(path).length > 4096) return "path is too long";
  const normalized = normalizeStorePath(path);
  if (normalized === "/") return "path names the root";
  const segments = normalized.slice(1).split("/");
  if (segments.some((segment) => segment === "" || segment === "." || segment === "..")) {
    return "path has an empty, . or .. segment";
  }
  return undefined;
}

/** Provider = lower-cased first path segment. */
export function providerOfStorePath(path: string): string {
  return normalizeStorePath(path).split("/")[1]?.toLowerCase() ?? "";
}

/** The parent folders of a file path, outermost first (`/a/b/c` → `/a`, `/a/b`). */
export function parentFolders(path: string): string[] {
  const segments = normalizeStorePath(path).slice(1).split("/");
  return segments.slice(0, -1).map((_, index) => `/${segments.slice(0, index + 1).join("/")}`);
}
