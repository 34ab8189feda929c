/** `~/.relayfile/workspaces.json`, the Go CLI's workspace catalog (spec §4.2). */
import { join } from "node:path";
import * as v from "valibot";
import { writeJsonAtomic } from "../lib/atomic_write.ts";
import { readJsonFile } from "./_read_json.ts";

export const WORKSPACES_FILE = "workspaces.json";
export const DEFAULT_SCOPES = ["fs:read", "fs:write"];

const WorkspaceRecordSchema = v.looseObject({
  name: v.string(),
  id: v.optional(v.string()),
  createdAt: v.optional(v.string(), ""),
  lastUsedAt: v.optional(v.string()),
  localDir: v.optional(v.string()),
  /** Ours: every folder this workspace was mounted into (the Go CLI keeps only `localDir`, the newest). */
  localDirs: v.optional(v.array(v.string())),
  server: v.optional(v.string()),
  cloudApiUrl: v.optional(v.string()),
  agentName: v.optional(v.string()),
  scopes: v.optional(v.array(v.string())),
});

const CatalogSchema = v.looseObject({
  default: v.optional(v.string()),
  workspaces: v.nullish(v.array(WorkspaceRecordSchema), () => []),
});

export type WorkspaceRecord = v.InferOutput<typeof WorkspaceRecordSchema>;
export type WorkspaceCatalog = v.InferOutput<typeof CatalogSchema>;

export function workspacesPath(configDir: string): string {
  return join(configDir, WORKSPACES_FILE);
}

/** The catalog; empty when the file does not exist. */
export async function readWorkspaces(configDir: string): Promise<WorkspaceCatalog> {
  return await readJsonFile(workspacesPath(configDir), CatalogSchema) ?? { workspaces: [] };
}

export function writeWorkspaces(configDir: string, catalog: WorkspaceCatalog): Promise<void> {
  const workspaces = [...catalog.workspaces].sort((a, b) => a.name.localeCompare(b.name));
  return writeJsonAtomic(workspacesPath(configDir), { ...catalog, workspaces });
}

/** The id a record stands for: its `id`, or its name when the id is blank. */
export function recordId(record: WorkspaceRecord): string {
  return record.id?.trim() || record.name;
}

export function findByName(catalog: WorkspaceCatalog, name: string): WorkspaceRecord | undefined {
  return catalog.workspaces.find((record) => record.name === name);
}

export function findById(catalog: WorkspaceCatalog, id: string): WorkspaceRecord | undefined {
  return catalog.workspaces.find((record) => recordId(record) === id);
}

/**
 * Merges `details` into the record matched by name or id (non-empty fields win), or adds a new record; sets the
 * default when there is none. Pure: returns a new catalog.
 */
export function upsertWorkspace(
  catalog: WorkspaceCatalog,
  details: Partial<WorkspaceRecord> & { name: string },
  now: Date,
): WorkspaceCatalog {
  const id = details.id?.trim() || details.name;
  const existing = catalog.workspaces.find((record) => record.name === details.name || recordId(record) === id);
  const filled = Object.fromEntries(
    Object.entries(details).filter(([, value]) => value !== undefined && value !== "" && !isEmptyArray(value)),
  );
  const merged: WorkspaceRecord = existing ? { ...existing, ...filled, lastUsedAt: now.toISOString() } : {
    createdAt: now.toISOString(),
    scopes: DEFAULT_SCOPES,
    ...filled,
    name: details.name,
    id,
    lastUsedAt: now.toISOString(),
  };
  const workspaces = existing
    ? catalog.workspaces.map((record) => record === existing ? merged : record)
    : [...catalog.workspaces, merged];
  return { ...catalog, default: catalog.default || merged.name, workspaces };
}

/** Every folder a record names: `localDirs`, and `localDir` (which a Go CLI may have changed on its own). */
export function localDirsOf(record: WorkspaceRecord): string[] {
  const dirs = [...(record.localDirs ?? []), record.localDir ?? ""].map((dir) => dir.trim()).filter(Boolean);
  return [...new Set(dirs)];
}

/** The record with `dir` as its newest folder, keeping the others. Pure. */
export function withLocalDir(
  record: WorkspaceRecord | undefined,
  dir: string,
): Pick<WorkspaceRecord, "localDir" | "localDirs"> {
  const dirs = record ? localDirsOf(record).filter((known) => known !== dir) : [];
  return { localDir: dir, localDirs: [...dirs, dir] };
}

function isEmptyArray(value: unknown): boolean {
  return Array.isArray(value) && value.length === 0;
}
