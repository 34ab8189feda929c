/**
 * The request bodies the server reads, as valibot schemas. A body that does not match is a 400 with the reference's
 * message; inside a bulk write each file is checked on its own, so one bad file never fails its batch-mates.
 */
import * as v from "valibot";

/** `PUT fs/file`: content as text or base64 (the encoding is checked when decoding). */
export const WriteFileBodySchema = v.object({
  content: v.string(),
  encoding: v.nullish(v.string()),
  contentType: ignoredWhenMalformed(v.nullish(v.string())),
});

/** `POST fs/bulk`: the file list; each file is parsed with `BulkFileSchema` on its own. */
export const BulkWriteBodySchema = v.object({ files: v.pipe(v.array(v.unknown()), v.minLength(1)) });

const TrimmedSchema = v.pipe(v.string(), v.trim(), v.minLength(1));

const ContentIdentitySchema = v.object({
  kind: v.fallback(v.string(), ""),
  key: TrimmedSchema,
  ttlSeconds: ignoredWhenMalformed(v.optional(v.pipe(v.number(), v.gtValue(0)))),
});

/** One file of a bulk write. A malformed `contentIdentity`, `contentType` or `ifMatch` is ignored, as before. */
export const BulkFileSchema = v.object({
  path: TrimmedSchema,
  content: v.string(),
  encoding: v.nullish(v.string()),
  contentType: ignoredWhenMalformed(v.nullish(v.string())),
  ifMatch: ignoredWhenMalformed(v.nullish(v.string())),
  contentIdentity: ignoredWhenMalformed(v.optional(ContentIdentitySchema)),
});

export type BulkFileBody = v.InferOutput<typeof BulkFileSchema>;

/** The per-file error code the reference gives for the first field a bulk file got wrong. */
export function bulkFileErrorCode(issues: readonly v.BaseIssue<unknown>[]): { code: string; message: string } {
  const field = issues[0]?.path?.[0]?.key;
  if (field === "path") return { code: "invalid_path", message: "path is required" };
  if (field === "content") return { code: "invalid_content", message: "content must be a string" };
  return { code: "invalid_encoding", message: "invalid input" };
}

/** `POST fs/merge` (reference v0.10.46): the caller's content, the base it started from, and how to merge. */
export const MergeBodySchema = v.object({
  strategy: v.fallback(v.string(), ""),
  content: v.string(),
  baseRevision: TrimmedSchema,
  baseContent: v.string(),
  contentType: ignoredWhenMalformed(v.nullish(v.string())),
  contentIdentity: ignoredWhenMalformed(v.optional(ContentIdentitySchema)),
});

export const BulkReadBodySchema = v.object({ paths: v.pipe(v.array(v.string()), v.minLength(1)) });

/** A field read when well-formed and dropped otherwise, as the reference does. */
function ignoredWhenMalformed<T extends v.GenericSchema>(schema: T) {
  return v.fallback(schema, undefined as v.InferOutput<T>);
}
