export { configDir } from "./config_dir.ts";
export { type Credentials, credentialsPath, readCredentials, writeCredentials } from "./credentials.ts";
export {
  findById,
  findByName,
  localDirsOf,
  readWorkspaces,
  recordId,
  upsertWorkspace,
  withLocalDir,
  type WorkspaceCatalog,
  type WorkspaceRecord,
  writeWorkspaces,
} from "./workspaces.ts";
export { resolveWorkspace, type WorkspaceResolution } from "./resolve_workspace.ts";
export { decodeTokenClaims, workspaceFromToken } from "./token_claims.ts";
export { locateEnclosingMount, locateMount, type MountLocation } from "./locate_mount.ts";
