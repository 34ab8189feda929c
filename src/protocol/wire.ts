/** The relayfile v1 documents a mount reads, as zod schemas: nothing from the wire is used unchecked. */
import { z } from "zod";

const encoding = z.string().optional().transform((value) => value?.trim().toLowerCase() === "base64" ? "base64" : "");

export const RemoteFileSchema = z.object({
  path: z.string(),
  revision: z.string(),
  contentType: z.string().optional().default(""),
  content: z.string().default(""),
  encoding,
});
export type RemoteFile = z.infer<typeof RemoteFileSchema>;

/** A file read with its content already decoded to bytes (a large file, read as it streams in). */
export const RemoteFileFieldsSchema = RemoteFileSchema.omit({ content: true });
export type RemoteFileBytes = z.infer<typeof RemoteFileFieldsSchema> & { bytes: Uint8Array | undefined };

export const ExportSchema = z.array(RemoteFileSchema);

export const TreeSchema = z.object({
  path: z.string().optional(),
  entries: z.array(z.object({
    path: z.string(),
    type: z.string(),
    revision: z.string().optional(),
    size: z.number().optional(),
  })),
  nextCursor: z.string().nullable().optional(),
});

export const EventSchema = z.object({
  eventId: z.string().optional(),
  type: z.string(),
  path: z.string().default(""),
  revision: z.string().optional(),
  correlationId: z.string().optional(),
  timestamp: z.string().optional(),
});
export type RemoteEvent = z.infer<typeof EventSchema>;

export const EventsPageSchema = z.object({
  events: z.array(EventSchema),
  nextCursor: z.string().nullable().optional(),
});

/** What the server says of the provider's side of a write it accepted. */
export const WritebackStateSchema = z.looseObject({ provider: z.string().optional(), state: z.string().optional() });

export const BulkResponseSchema = z.object({
  written: z.number().optional(),
  errorCount: z.number().optional(),
  errors: z.array(z.object({
    path: z.string(),
    code: z.string(),
    message: z.string().optional().default(""),
    currentRevision: z.string().optional(),
  })).nullable().optional().transform((errors) => errors ?? []),
  results: z.array(z.object({
    path: z.string(),
    revision: z.string(),
    contentType: z.string().optional(),
    opId: z.string().optional(),
    writeback: WritebackStateSchema.optional(),
  })).nullable().optional().transform((results) => results ?? []),
});
export type BulkResponse = z.infer<typeof BulkResponseSchema>;

/** The 202 of a single write or delete (`WriteQueuedResponse`). */
export const WriteQueuedSchema = z.looseObject({
  opId: z.string().optional(),
  status: z.string().optional(),
  targetRevision: z.string().optional(),
  writeback: WritebackStateSchema.optional(),
});
export type WriteQueued = z.infer<typeof WriteQueuedSchema>;

/** The 200 of `POST fs/merge`: the revision the merged content got. */
export const MergeResponseSchema = z.looseObject({
  targetRevision: z.string(),
  strategy: z.string().optional(),
  baseRevision: z.string().optional(),
  mergedAgainstRevision: z.string().optional(),
});
export type MergeResponse = z.infer<typeof MergeResponseSchema>;

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
export const OperationSchema = z.looseObject({
  opId: z.string(),
  path: z.string().optional(),
  revision: z.string().optional(),
  provider: z.string().optional(),
  status: z.string(),
  lastError: z.string().optional(),
  providerResult: z.record(z.string(), z.unknown()).optional(),
  updatedAt: z.string().optional(),
  completedAt: z.string().optional(),
});
export type Operation = z.infer<typeof OperationSchema>;

export const OpsPageSchema = z.object({
  items: z.array(OperationSchema).nullable().transform((items) => items ?? []),
  nextCursor: z.string().nullable().optional(),
});

export const BulkReadSchema = z.object({
  files: z.array(z.union([
    RemoteFileSchema,
    z.object({ path: z.string(), error: z.object({ status: z.number(), code: z.string().optional() }) }),
  ])),
});
export type BulkRead = z.infer<typeof BulkReadSchema>;

export const ErrorBodySchema = z.object({ code: z.string().optional(), message: z.string().optional() });

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
export const WsChangeMessageSchema = z.object({
  type: z.string().startsWith("file."),
  path: z.string().optional(),
  revision: z.string().optional(),
});
