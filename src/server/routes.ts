/** The route table: method, path under `/v1/workspaces/{ws}/`, the scope it needs, and its handler. */
import type { RequestContext } from "./context.ts";
import type { OpAction } from "./store.ts";
import { bulkRead, bulkWrite } from "./routes/bulk.ts";
import { listEvents } from "./routes/events.ts";
import { deleteFile, readFile, writeFile } from "./routes/files.ts";
import { exportFiles, listTree } from "./routes/listing.ts";
import { mergeFile } from "./routes/merge.ts";
import { getOp, listOps, syncStatus } from "./routes/ops.ts";
import { acknowledge, pendingWritebacks, replay } from "./routes/writeback.ts";

export interface Route {
  method: string;
  pattern: RegExp;
  scope: string;
  /** The scope is checked against the `path` query parameter (narrow grants apply). */
  pathAware?: boolean;
  /** A write route: a refused request records a failed op and names it in `X-Relayfile-Op-Id`. */
  write?: OpAction;
  handler: (context: RequestContext, params: string[]) => Promise<Response> | Response;
}

const ROUTES: Route[] = [
  { method: "GET", pattern: /^fs\/file$/, scope: "fs:read", pathAware: true, handler: readFile },
  {
    method: "PUT",
    pattern: /^fs\/file$/,
    scope: "fs:write",
    pathAware: true,
    write: "file_upsert",
    handler: writeFile,
  },
  {
    method: "DELETE",
    pattern: /^fs\/file$/,
    scope: "fs:write",
    pathAware: true,
    write: "file_delete",
    handler: deleteFile,
  },
  {
    method: "POST",
    pattern: /^fs\/merge$/,
    scope: "fs:write",
    pathAware: true,
    handler: mergeFile,
  },
  { method: "POST", pattern: /^fs\/bulk$/, scope: "fs:write", write: "file_upsert", handler: bulkWrite },
  { method: "POST", pattern: /^fs\/bulk-read$/, scope: "fs:read", handler: bulkRead },
  { method: "GET", pattern: /^fs\/export$/, scope: "fs:read", handler: exportFiles },
  { method: "GET", pattern: /^fs\/tree$/, scope: "fs:read", handler: listTree },
  { method: "GET", pattern: /^fs\/events$/, scope: "fs:read", handler: listEvents },
  { method: "GET", pattern: /^ops$/, scope: "ops:read", handler: listOps },
  { method: "GET", pattern: /^ops\/([^/]+)$/, scope: "ops:read", handler: (context, [opId]) => getOp(context, opId!) },
  { method: "GET", pattern: /^sync\/status$/, scope: "sync:read", handler: syncStatus },
  {
    method: "POST",
    pattern: /^ops\/([^/]+)\/replay$/,
    scope: "ops:replay",
    handler: (context, [opId]) => replay(context, opId!),
  },
  { method: "GET", pattern: /^writeback\/pending$/, scope: "sync:read", handler: pendingWritebacks },
  {
    method: "POST",
    pattern: /^writeback\/([^/]+)\/ack$/,
    scope: "sync:trigger",
    handler: (context, [opId]) => acknowledge(context, opId!),
  },
];

export function findRoute(method: string, path: string): { route: Route; params: string[] } | undefined {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (match) return { route, params: match.slice(1) };
  }
  return undefined;
}
