/**
 * The JSON body of `POST fs/bulk`, written as a stream: a file's content may be its raw bytes, encoded into the JSON
 * string a piece at a time (UTF-8 text escaped, or base64), so a large file is sent while held once — not as bytes,
 * a base64 string, a JSON string and the encoded body at once. (`fetch` sends a stream chunked, without a length.)
 */
import { base64Length } from "./content.ts";
import type { BulkFile } from "./wire.ts";

/** A file for the body: `content` as wire text, or as raw bytes to be encoded per `encoding` on the way out. */
export type OutgoingFile = Omit<BulkFile, "content"> & { content: string | Uint8Array };

/** Raw bytes per piece of a streamed content (a multiple of 3, so that base64 pieces join without padding). */
const PIECE_BYTES = 3 * 16 * 1024;

const encoder = new TextEncoder();

export function bulkBodyStream(files: readonly OutgoingFile[]): ReadableStream<Uint8Array> {
  const pieces = bodyPieces(files);
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = pieces.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
  });
}

/** The length of a file's content as sent, before JSON escaping (what a 413 is explained with). */
export function wireContentLength(file: OutgoingFile): number {
  if (typeof file.content === "string") return encoder.encode(file.content).length;
  return file.encoding === "base64" ? base64Length(file.content.length) : file.content.length;
}

function* bodyPieces(files: readonly OutgoingFile[]): Generator<Uint8Array> {
  yield encoder.encode('{"files":[');
  for (const [index, file] of files.entries()) {
    const [before, after] = frame(file);
    yield index === 0 ? before : concat(encoder.encode(","), before);
    yield* contentPieces(file);
    yield after;
  }
  yield encoder.encode("]}");
}

/** The file's JSON object around its content: `{…,"content":` and `}`. */
function frame(file: OutgoingFile): [Uint8Array, Uint8Array] {
  const { content: _content, ...rest } = file;
  const fields = JSON.stringify(rest);
  return [encoder.encode(`${fields.slice(0, -1)},"content":`), encoder.encode("}")];
}

function* contentPieces(file: OutgoingFile): Generator<Uint8Array> {
  const { content } = file;
  if (typeof content === "string") {
    yield encoder.encode(JSON.stringify(content));
    return;
  }
  yield QUOTE;
  for (let start = 0; start < content.length; start += PIECE_BYTES) {
    const piece = content.subarray(start, start + PIECE_BYTES);
    yield file.encoding === "base64" ? encoder.encode(piece.toBase64()) : escapeText(piece);
  }
  yield QUOTE;
}

const QUOTE = encoder.encode('"');
const HEX = "0123456789abcdef";

/** JSON string escaping of UTF-8 bytes, byte by byte: multi-byte sequences pass unchanged, whatever the split. */
function escapeText(bytes: Uint8Array): Uint8Array {
  let length = 0;
  for (const byte of bytes) length += escapedLength(byte);
  if (length === bytes.length) return bytes;
  const out = new Uint8Array(length);
  let at = 0;
  for (const byte of bytes) {
    if (byte >= 0x20 && byte !== 0x22 && byte !== 0x5c) {
      out[at++] = byte;
      continue;
    }
    out[at++] = 0x5c;
    const short = SHORT_ESCAPES[byte];
    if (short !== undefined) {
      out[at++] = short;
    } else {
      for (const char of `u00${HEX[byte >> 4]}${HEX[byte & 15]}`) out[at++] = char.charCodeAt(0);
    }
  }
  return out;
}

/** `"` `\` and the controls JSON names with one letter. */
const SHORT_ESCAPES: Record<number, number> = {
  0x22: 0x22,
  0x5c: 0x5c,
  0x08: 0x62,
  0x0c: 0x66,
  0x0a: 0x6e,
  0x0d: 0x72,
  0x09: 0x74,
};

function escapedLength(byte: number): number {
  if (byte >= 0x20 && byte !== 0x22 && byte !== 0x5c) return 1;
  return SHORT_ESCAPES[byte] !== undefined ? 2 : 6;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
