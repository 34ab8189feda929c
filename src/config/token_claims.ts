/**
 * Reads claims from a JWT without verifying it: the client only needs to know which workspace and scopes it names
 * (the server verifies). A base64url decode, so the CLI does not load a JWT library for it.
 */

export function decodeTokenClaims(token: string): Record<string, unknown> | undefined {
  const payload = token.trim().split(".")[1];
  if (!payload) return undefined;
  try {
    const json = new TextDecoder().decode(Uint8Array.fromBase64(payload, { alphabet: "base64url" }));
    const claims: unknown = JSON.parse(json);
    return claims !== null && typeof claims === "object" && !Array.isArray(claims)
      ? claims as Record<string, unknown>
      : undefined;
  } catch {
    return undefined;
  }
}

/** The workspace a token is for: `workspace_id`, then `wks` (the Go client's order). */
export function workspaceFromToken(token: string): string | undefined {
  const claims = decodeTokenClaims(token);
  for (const key of ["workspace_id", "wks"]) {
    const value = claims?.[key];
    if (typeof value === "string" && value.trim()) return value.trim();
  }
  return undefined;
}
