/**
 * Scope grants (spec §8, the path contract the Go server implements at H), pure. A grant is
 * `plane:resource:action[:path]`; a requirement is `resource:action` (`fs:read`) for a file path or for none.
 */

export interface Requirement {
  resource: string;
  action: string;
}

interface Grant {
  path: string;
}

/** The `scopes` claim of a token: a JSON array of strings, or one space-separated string. */
export function scopesOf(claim: unknown): string[] {
  const list = typeof claim === "string" ? claim.split(/\s+/) : Array.isArray(claim) ? claim : [];
  return list.filter((scope): scope is string => typeof scope === "string" && scope.trim() !== "");
}

/** `fs:read` → `{resource: "fs", action: "read"}`. */
export function parseRequirement(required: string): Requirement {
  const [resource = "", action = ""] = required.split(":");
  return { resource, action };
}

/**
 * May a token with `scopes` do `required` on `file` (a store path, or `""` when the route names none)?
 * (1) grants matching plane, resource and action are collected; (2) a whole-namespace grant allows; (3) a narrow grant
 * whose path matches the file allows; (4) the bare literal (`fs:read`) allows only when no narrow grant was collected;
 * (5) otherwise deny.
 */
export function scopeAllows(scopes: readonly string[], required: string, file: string): boolean {
  const requirement = parseRequirement(required);
  const wanted = file.trim();
  const grants = scopes.map((scope) => scope.trim()).flatMap((scope) => {
    const grant = parseGrant(scope, requirement);
    return grant ? [grant] : [];
  });
  if (grants.some((grant) => grant.path === "*")) return true;
  const narrow = grants.filter((grant) => grant.path !== "*");
  if (wanted !== "" && narrow.some((grant) => pathMatches(grant.path, wanted))) return true;
  return narrow.length === 0 && scopes.some((scope) => scope.trim() === required);
}

/** Does any grant cover `required` somewhere? (Route-level check for routes whose files are checked one by one.) */
export function scopeGrantsAny(scopes: readonly string[], required: string): boolean {
  const requirement = parseRequirement(required);
  return scopes.some((scope) => scope.trim() === required || parseGrant(scope.trim(), requirement) !== undefined);
}

function parseGrant(scope: string, requirement: Requirement): Grant | undefined {
  const parts = splitScope(scope);
  if (parts.length < 3) return undefined; // an opaque literal: matches only as the exact requirement string
  const [plane, second, action, path] = parts as [string, string, string, string | undefined];
  let resource: string;
  if (plane === "relayfile" || plane === "*") resource = second;
  else if (plane === "workspace") resource = "fs"; // the second segment is a label
  else return undefined;
  if (resource !== "*" && resource !== requirement.resource) return undefined;
  const actionMatches = action === "*" || action === requirement.action ||
    (action === "manage" && (requirement.action === "read" || requirement.action === "write"));
  if (!actionMatches) return undefined;
  const grantPath = path === undefined ? "*" : path.trim();
  if (grantPath !== "*" && scopePathMountRoot(grantPath) === null) return undefined;
  return { path: grantPath };
}

/** At most four parts: the path itself may contain colons. */
function splitScope(scope: string): string[] {
  const parts: string[] = [];
  let rest = scope;
  while (parts.length < 3) {
    const index = rest.indexOf(":");
    if (index === -1) break;
    parts.push(rest.slice(0, index));
    rest = rest.slice(index + 1);
  }
  parts.push(rest);
  return parts;
}

/**
 * Where a scope path mounts, or `null` for an invalid one (which authorizes nothing): `*` and `/` → `/`; an exact path
 * → itself; `/a/b/**` and `/a/b/*` → `/a/b`; `/a/acme-*` → `/a`. Globs only in the final segment.
 */
export function scopePathMountRoot(scopePath: string): string | null {
  if (scopePath === "*" || scopePath === "/") return "/";
  if (!scopePath.startsWith("/") || scopePath.endsWith("/")) return null;
  const segments = scopePath.slice(1).split("/");
  const last = segments.at(-1)!;
  const leading = segments.slice(0, -1);
  if (leading.some((segment) => !isPlainSegment(segment))) return null;
  const parent = leading.length === 0 ? "/" : `/${leading.join("/")}`;
  if (last === "**" || last === "*") return parent;
  if (last.endsWith("*")) {
    const stem = last.slice(0, -1);
    return stem !== "" && isPlainSegment(stem) ? parent : null;
  }
  return isPlainSegment(last) ? scopePath : null;
}

function isPlainSegment(segment: string): boolean {
  return segment !== "" && segment !== "." && segment !== ".." && !segment.includes("*");
}

/** Path part of a (valid) narrow grant against a required file path. */
export function pathMatches(grantPath: string, file: string): boolean {
  if (grantPath === "*") return true;
  if (grantPath === "/") return file === "/";
  if (grantPath.endsWith("/**")) {
    const dir = grantPath.slice(0, -3);
    return dir === "" || file === dir || file.startsWith(`${dir}/`);
  }
  if (grantPath.endsWith("/*")) {
    const dir = grantPath.slice(0, -2);
    return dir === "" ? file !== "/" : file.startsWith(`${dir}/`);
  }
  if (grantPath.endsWith("*")) return file.startsWith(grantPath.slice(0, -1));
  return file === grantPath;
}
