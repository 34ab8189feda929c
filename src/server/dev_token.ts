/** Local dev tokens: HS256, signed with the data folder's secret, with the reference's claims. */
import { signHs256 } from "./jwt.ts";

/** The workspace of the token `serve` prints and `token` mints when none is named. */
export const DEFAULT_WORKSPACE = "ws_local";

export const DEFAULT_SCOPES = ["fs:read", "fs:write", "ops:read", "sync:read"];
export const DEFAULT_TOKEN_TTL_MS = 24 * 3_600_000;

export interface DevTokenRequest {
  workspace: string;
  agent?: string;
  scopes?: string[];
  ttlMs?: number;
  now: number;
}

export function mintDevToken(secret: Uint8Array, request: DevTokenRequest): Promise<string> {
  const issuedAt = Math.floor(request.now / 1000);
  return signHs256({
    wks: request.workspace,
    workspace_id: request.workspace,
    sub: request.agent ?? "relayfile-dev",
    agent_name: request.agent ?? "relayfile-dev",
    aud: ["relayfile"],
    scopes: request.scopes ?? DEFAULT_SCOPES,
    iat: issuedAt,
    exp: issuedAt + Math.max(1, Math.floor((request.ttlMs ?? DEFAULT_TOKEN_TTL_MS) / 1000)),
  }, secret);
}
