/** File content on the wire: UTF-8 text, or base64 (`encoding: "base64"`). Pure. */
import { decodeBase64 } from "../protocol/content.ts";
import { HttpProblem } from "./http.ts";
import type { StoredFile } from "./store.ts";

export const DEFAULT_CONTENT_TYPE = "text/markdown";

/** The stored encoding for a wire `encoding`, or `undefined` when it is not one the reference accepts. */
export function storedEncoding(encoding: unknown): "" | "base64" | undefined {
  if (encoding === undefined || encoding === null) return "";
  if (typeof encoding !== "string") return undefined;
  const lower = encoding.trim().toLowerCase();
  if (lower === "" || lower === "utf-8" || lower === "utf8") return "";
  return lower === "base64" ? "base64" : undefined;
}

/** Standard base64, padded or not (the reference accepts both), in its canonical padded form. */
export function canonicalBase64(content: string): string | undefined {
  const bytes = decodeBase64(content);
  if (bytes === undefined) return undefined;
  const unpadded = content.replace(/\s+/g, "").replace(/=+$/, "");
  return unpadded.padEnd(Math.ceil(unpadded.length / 4) * 4, "=");
}

/** The content to store, or 400 `invalid input` for a bad encoding or undecodable base64. */
export function decodeWireContent(content: unknown, encoding: unknown): { content: string; encoding: "" | "base64" } {
  const stored = storedEncoding(encoding);
  if (stored === undefined || typeof content !== "string") throw new HttpProblem("bad_request", "invalid input");
  if (stored === "") return { content, encoding: "" };
  const canonical = canonicalBase64(content);
  if (canonical === undefined) throw new HttpProblem("bad_request", "invalid input");
  return { content: canonical, encoding: "base64" };
}

/** A file's content fields on the wire (`fs/bulk-read` answers these). */
export function fileContent(file: StoredFile): Record<string, unknown> {
  return {
    path: file.path,
    revision: file.revision,
    contentType: file.contentType,
    content: file.content,
    ...(file.encoding ? { encoding: file.encoding } : {}),
  };
}

/** The File object of `GET fs/file` and `fs/export` (spec §1.7.2). */
export function fileDocument(file: StoredFile): Record<string, unknown> {
  return { ...fileContent(file), provider: file.provider, lastEditedAt: file.updatedAt, semantics: {} };
}

/** The first 4000 bytes of the current content, for a conflict answer. */
export function contentPreview(content: string): string {
  const bytes = new TextEncoder().encode(content);
  if (bytes.length <= 4000) return content;
  return new TextDecoder().decode(bytes.subarray(0, 4000)).replace(/\uFFFD$/, "");
}
