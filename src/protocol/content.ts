/** Bytes ⇄ wire content (spec §2.11), pure. Hashes are always over the raw bytes. */

const TYPES: Record<string, string> = {
  md: "text/markdown",
  markdown: "text/markdown",
  txt: "text/plain",
  json: "application/json",
  yaml: "application/yaml",
  yml: "application/yaml",
  html: "text/html",
  htm: "text/html",
  css: "text/css",
  csv: "text/csv",
  js: "application/javascript",
  mjs: "application/javascript",
  ts: "text/plain",
  xml: "application/xml",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  pdf: "application/pdf",
  zip: "application/zip",
  gz: "application/gzip",
  bin: "application/octet-stream",
};

const TEXT_LIKE = new Set([
  "application/json",
  "application/xml",
  "application/javascript",
  "application/x-javascript",
  "application/yaml",
  "image/svg+xml",
]);

/** By extension: `.md` → `text/markdown`; unknown → `text/plain`. */
export function contentTypeFor(path: string): string {
  const dot = path.lastIndexOf(".");
  const slash = path.lastIndexOf("/");
  if (dot <= slash + 1) return "text/plain";
  return TYPES[path.slice(dot + 1).toLowerCase()] ?? "text/plain";
}

export function isTextLike(contentType: string): boolean {
  const base = contentType.split(";")[0]!.trim().toLowerCase();
  return base.startsWith("text/") || TEXT_LIKE.has(base);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The length of `byteLength` bytes in base64: a payload's wire size when only its byte length is known. */
export function base64Length(byteLength: number): number {
  return Math.ceil(byteLength / 3) * 4;
}

/** UTF-8 text when the bytes are valid UTF-8 of a text-like type without control bytes; base64 otherwise. */
export function toWire(bytes: Uint8Array, contentType: string): { content: string; encoding: "" | "base64" } {
  if (mayBeText(bytes, contentType)) {
    try {
      return { content: utf8.decode(bytes), encoding: "" };
    } catch {
      // not UTF-8: base64 below
    }
  }
  return { content: encodeBase64(bytes), encoding: "base64" };
}

/** The encoding `toWire` would choose, found without building the wire text (for bytes sent as a stream). */
export function wireEncodingOf(bytes: Uint8Array, contentType: string): "" | "base64" {
  if (!mayBeText(bytes, contentType)) return "base64";
  const checker = new TextDecoder("utf-8", { fatal: true });
  try {
    for (let start = 0; start < bytes.length; start += UTF8_CHECK_PIECE) {
      checker.decode(bytes.subarray(start, start + UTF8_CHECK_PIECE), { stream: true });
    }
    checker.decode();
    return "";
  } catch {
    return "base64";
  }
}

const UTF8_CHECK_PIECE = 1 << 16;

/** Wire content → bytes; base64 padded or not. `undefined` when base64 does not decode. */
export function fromWire(content: string, encoding: string): Uint8Array | undefined {
  if (encoding.trim().toLowerCase() !== "base64") return new TextEncoder().encode(content);
  return decodeBase64(content);
}

/** Standard base64, padded or not, whitespace ignored (as the reference accepts it); `undefined` when invalid. */
export function decodeBase64(text: string): Uint8Array | undefined {
  try {
    return Uint8Array.fromBase64(text, { lastChunkHandling: "loose" });
  } catch {
    return undefined;
  }
}

export function encodeBase64(bytes: Uint8Array): string {
  return bytes.toBase64();
}

/** Text-like by type and free of control bytes: sent as text if it is also valid UTF-8. */
function mayBeText(bytes: Uint8Array, contentType: string): boolean {
  return isTextLike(contentType) && !hasControlBytes(bytes);
}

function hasControlBytes(bytes: Uint8Array): boolean {
  for (const byte of bytes) {
    if ((byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) || byte === 0x7f) return true;
  }
  return false;
}
