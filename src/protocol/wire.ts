/** The relayfile v1 documents a mount reads, as valibot schemas: nothing from the wire is used unchecked. */
import * as v from "valibot";

const encoding = v.pipe(
  v.optional(v.string(), ""),
  v.transform((value): "" | "base64" => value?.trim().toLowerCase() === "base64" ? "base64" : ""),
);

/** A list the server may send as `null` or leave out: always a list here. */
function listOf<T extends v.GenericSchema>(item: T) {
  return v.nullish(v.array(item), () => []);
}

export const RemoteFileSchema = v.object({
  path: v.string(),
  revision: v.string(),
  contentType: v.optional(v.string(), ""),
  content: v.optional(v.string(), ""),
  encoding,
});
export type RemoteFile = v.InferOutput<typeof RemoteFileSchema>;

/** A file read with its content already decoded to bytes (a large file, read as it streams in). */
export const RemoteFileFieldsSchema = v.omit(RemoteFileSchema, ["content"]);
export type RemoteFileBytes = v.InferOutput<typeof RemoteFileFieldsSchema> & { bytes: Uint8Array | undefined };

export const ExportSchema = v.array(RemoteFileSchema);

export const TreeSchema = v.object({
  path: v.optional(v.string()),
  entries: v.array(v.object({
    path: v.string(),
    type: v.string(),
    revision: v.optional(v.string()),
    size: v.optional(v.number()),
  })),
  nextCursor: v.nullish(v.string()),
});

export const EventSchema = v.object({
  eventId: v.optional(v.string()),
  type: v.string(),
  path: v.optional(v.string(), ""),
  revision: v.optional(v.string()),
  correlationId: v.optional(v.string()),
  timestamp: v.optional(v.string()),
});
export type RemoteEvent = v.InferOutput<typeof EventSchema>;

export const EventsPageSchema = v.object({
  events: v.array(EventSchema),
  nextCursor: v.nullish(v.string()),
});

/** What the server says of the provider's side of a write it accepted. */
export const WritebackStateSchema = v.looseObject({ provider: v.optional(v.string()), state: v.optional(v.string()) });

export const BulkResponseSchema = v.object({
  written: v.optional(v.number()),
  errorCount: v.optional(v.number()),
  errors: listOf(v.object({
    path: v.string(),
    code: v.string(),
    message: v.optional(v.string(), ""),
    currentRevision: v.optional(v.string()),
  })),
  results: listOf(v.object({
    path: v.string(),
    revision: v.string(),
    contentType: v.optional(v.string()),
    opId: v.optional(v.string()),
    writeback: v.optional(WritebackStateSchema),
  })),
});
export type BulkResponse = v.InferOutput<typeof BulkResponseSchema>;

/** The 202 of a single write or delete (`WriteQueuedResponse`). */
export const WriteQueuedSchema = v.looseObject({
  opId: v.optional(v.string()),
  status: v.optional(v.string()),
  targetRevision: v.optional(v.string()),
  writeback: v.optional(WritebackStateSchema),
});
export type WriteQueued = v.InferOutput<typeof WriteQueuedSchema>;

/** The 200 of `POST fs/merge`: the revision the merged content got. */
export const MergeResponseSchema = v.looseObject({
  targetRevision: v.string(),
  strategy: v.optional(v.string()),
  baseRevision: v.optional(v.string()),
  mergedAgainstRevision: v.optional(v.string()),
});
export type MergeResponse = v.InferOutput<typeof MergeResponseSchema>;

/** The body of `POST fs/merge`. */
export interface MergeRequest {
  strategy: string;
  baseRevision: string;
  baseContent: string;
  content: string;
  contentType?: string;
  contentIdentity?: { kind: string; key: string; ttlSeconds?: number };
}

/** An op's status on the server (`GET ops/{opId}`, the items of `GET ops`); the provider's word on a write. */
export const OperationSchema = v.looseObject({
  opId: v.string(),
  path: v.optional(v.string()),
  revision: v.optional(v.string()),
  provider: v.optional(v.string()),
  status: v.string(),
  lastError: v.optional(v.string()),
  providerResult: v.optional(v.record(v.string(), v.unknown())),
  updatedAt: v.optional(v.string()),
  completedAt: v.optional(v.string()),
});
export type Operation = v.InferOutput<typeof OperationSchema>;

export const OpsPageSchema = v.object({
  items: v.nullable(v.array(OperationSchema), () => []),
  nextCursor: v.nullish(v.string()),
});

export const BulkReadSchema = v.object({
  files: v.array(v.union([
    RemoteFileSchema,
    v.object({ path: v.string(), error: v.object({ status: v.number(), code: v.optional(v.string()) }) }),
  ])),
});
export type BulkRead = v.InferOutput<typeof BulkReadSchema>;

export const ErrorBodySchema = v.object({ code: v.optional(v.string()), message: v.optional(v.string()) });

export interface BulkFile {
  path: string;
  contentType: string;
  content: string;
  encoding: "" | "base64";
  /** `"0"`: create only; a revision: update that revision only. */
  ifMatch: string;
  contentIdentity: { kind: string; key: string; ttlSeconds: number };
}

/** A `fs/ws` message that announces a change (others, such as `pong`, fail to parse and are ignored). */
export const WsChangeMessageSchema = v.object({
  type: v.pipe(v.string(), v.startsWith("file.")),
  path: v.optional(v.string()),
  revision: v.optional(v.string()),
});
