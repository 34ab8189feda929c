/**
 * The request bodies the server reads, as zod schemas. A body that does not match is a 400 with the reference's
 * message; inside a bulk write each file is checked on its own, so one bad file never fails its batch-mates.
 */
import { z } from "zod";

/** `PUT fs/file`: content as text or base64 (the encoding is checked when decoding). */
export const WriteFileBodySchema = z.object({
  content: z.string(),
  encoding: z.string().nullish(),
  contentType: z.string().nullish().catch(undefined),
});

/** `POST fs/bulk`: the file list; each file is parsed with `BulkFileSchema` on its own. */
export const BulkWriteBodySchema = z.object({ files: z.array(z.unknown()).min(1) });

const ContentIdentitySchema = z.object({
  kind: z.string().catch(""),
  key: z.string().trim().min(1),
  ttlSeconds: z.number().positive().optional().catch(undefined),
});

/** One file of a bulk write. A malformed `contentIdentity`, `contentType` or `ifMatch` is ignored, as before. */
export const BulkFileSchema = z.object({
  path: z.string().trim().min(1),
  content: z.string(),
  encoding: z.string().nullish(),
  contentType: z.string().nullish().catch(undefined),
  ifMatch: z.string().nullish().catch(undefined),
  contentIdentity: ContentIdentitySchema.optional().catch(undefined),
});

export type BulkFileBody = z.infer<typeof BulkFileSchema>;

/** The per-file error code the reference gives for the first field a bulk file got wrong. */
export function bulkFileErrorCode(error: z.ZodError): { code: string; message: string } {
  const field = error.issues[0]?.path[0];
  if (field === "path") return { code: "invalid_path", message: "path is required" };
  if (field === "content") return { code: "invalid_content", message: "content must be a string" };
  return { code: "invalid_encoding", message: "invalid input" };
}

/** `POST fs/merge` (reference v0.10.46): the caller's content, the base it started from, and how to merge. */
export const MergeBodySchema = z.object({
  strategy: z.string().catch(""),
  content: z.string(),
  baseRevision: z.string().trim().min(1),
  baseContent: z.string(),
  contentType: z.string().nullish().catch(undefined),
  contentIdentity: ContentIdentitySchema.optional().catch(undefined),
});

export const BulkReadBodySchema = z.object({ paths: z.array(z.string()).min(1) });
