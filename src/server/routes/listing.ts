/** `GET …/fs/export` and `GET …/fs/tree`: what a mount pulls in full (spec §1.7.1, §1.7.6). */
import { fileDocument } from "../content.ts";
import type { RequestContext } from "../context.ts";
import { HttpProblem, intParam, jsonResponse } from "../http.ts";
import { normalizeStorePath, parentFolders } from "../paths.ts";
import { scopeAllows } from "../../protocol/scopes.ts";
import type { FileEntry, StoredFile } from "../store.ts";

const TREE_PAGE_SIZE = 1000;

export function exportFiles(context: RequestContext): Response {
  const format = context.url.searchParams.get("format") ?? "json";
  if (format !== "json") throw new HttpProblem("bad_request", `unsupported export format "${format}"`);
  const root = normalizeStorePath(context.url.searchParams.get("path")?.trim() ?? "/");
  return jsonResponse(200, readableFiles(context, root).map(fileDocument));
}

/**
 * Every file and intermediate folder within `depth` levels below `path`, sorted by path, in pages: `cursor` is the
 * last path of the previous page, `nextCursor` is set while more remain.
 */
export function listTree(context: RequestContext): Response {
  const root = normalizeStorePath(context.url.searchParams.get("path")?.trim() ?? "/");
  const depth = intParam(context.url, "depth", 10, 1, 100);
  const limit = intParam(context.url, "limit", TREE_PAGE_SIZE, 1, 10_000);
  const cursor = context.url.searchParams.get("cursor") ?? "";
  const rootDepth = root === "/" ? 0 : root.split("/").length - 1;
  const entries = new Map<string, Record<string, unknown>>();
  let totalFiles = 0;
  for (const file of readableEntries(context, root)) {
    for (const folder of parentFolders(file.path)) {
      const level = folder.split("/").length - 1 - rootDepth;
      if (level >= 1 && level <= depth && !entries.has(folder)) {
        entries.set(folder, { path: folder, type: "dir", revision: "dir" });
      }
    }
    if (file.path.split("/").length - 1 - rootDepth <= depth) {
      totalFiles++;
      entries.set(file.path, {
        path: file.path,
        type: "file",
        revision: file.revision,
        ...(file.provider ? { provider: file.provider } : {}),
        ...(file.size ? { size: file.size } : {}),
        updatedAt: file.updatedAt,
      });
    }
  }
  const sorted = [...entries.values()].sort((a, b) => compare(String(a.path), String(b.path)));
  let start = 0;
  if (cursor !== "") {
    const index = sorted.findIndex((entry) => entry.path === cursor);
    if (index === -1) throw new HttpProblem("bad_request", "invalid cursor");
    start = index + 1;
  }
  const page = sorted.slice(start, start + limit);
  const more = start + limit < sorted.length;
  return jsonResponse(200, {
    path: root,
    entries: page,
    nextCursor: more ? String(page.at(-1)!.path) : null,
    totalFiles,
  });
}

function readableFiles(context: RequestContext, root: string): StoredFile[] {
  return context.store.listFiles(context.workspace, root).filter((file) => readable(context, file.path));
}

function readableEntries(context: RequestContext, root: string): FileEntry[] {
  return context.store.listEntries(context.workspace, root).filter((entry) => readable(context, entry.path));
}

function readable(context: RequestContext, path: string): boolean {
  return scopeAllows(context.principal.scopes, "fs:read", path);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
