import { UsageError } from "../lib/errors.ts";
import { findById, findByName, recordId, type WorkspaceCatalog, type WorkspaceRecord } from "./workspaces.ts";

export interface WorkspaceResolution {
  id: string;
  record?: WorkspaceRecord;
}

export interface ResolveWorkspaceInput {
  /** WORKSPACE as given on the command line. */
  arg?: string | undefined;
  /** `RELAYFILE_WORKSPACE`. */
  envWorkspace?: string | undefined;
  /** The workspace claim of the token. */
  tokenWorkspace?: string | undefined;
  catalog: WorkspaceCatalog;
}

/**
 * WORKSPACE → workspace id and catalog record, offline: the argument (a catalog name, then id, else verbatim),
 * then `RELAYFILE_WORKSPACE`, then the token's workspace claim, then the catalog default.
 */
export function resolveWorkspace(input: ResolveWorkspaceInput): WorkspaceResolution {
  const { catalog } = input;
  const fromCatalog = (nameOrId: string): WorkspaceResolution => {
    const record = findByName(catalog, nameOrId) ?? findById(catalog, nameOrId);
    return record ? { id: recordId(record), record } : { id: nameOrId };
  };
  const arg = input.arg?.trim();
  if (arg) return fromCatalog(arg);
  const fromEnv = input.envWorkspace?.trim();
  if (fromEnv) return fromCatalog(fromEnv);
  const fromToken = input.tokenWorkspace?.trim();
  if (fromToken) return fromCatalog(fromToken);
  const fallback = catalog.default?.trim();
  if (fallback) return fromCatalog(fallback);
  throw new UsageError("workspace is required", {
    hint: "pass WORKSPACE or --dir PATH, set RELAYFILE_WORKSPACE, or run relayfile mount first",
  });
}
