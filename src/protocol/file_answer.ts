/**
 * A `GET fs/file` answer read as it streams in, so that a large file is held once: its `content` string is
 * unescaped straight into one buffer sized once, then (base64) decoded in place; the other
 * fields, small, are parsed as JSON. `JSON.parse` on the whole answer would hold the body, the parsed string and the
 * decoded bytes at once (an 80 MB file: ~4 times its size). The JSON grammar is checked where it matters here: a
 * malformed answer is refused, never half-read.
 */
export class MalformedAnswerError extends Error {}

export interface FileAnswer {
  /** Every field but `content`, as JSON.parse gives them. */
  fields: Record<string, unknown>;
  /**
   * `content`'s string as bytes (UTF-8), or the bytes it decodes to when the answer says `encoding: base64`;
   * `undefined` when that base64 does not decode (one bad file is the caller's to skip, not a broken answer).
   */
  bytes: Uint8Array | undefined;
}

const utf8 = new TextDecoder();

/** Fields other than the content are small; a larger one is refused rather than buffered. */
const FIELD_MAX_BYTES = 1 << 20;
const BASE64_PIECE = 64 * 1024;

/**
 * `capacity`: how long the content's text is expected to be at most (the answer's length, or base64 of the size the
 * listing gave): its buffer is made that large once; a longer content still fits, the buffer grows.
 */
export async function readFileAnswer(body: ReadableStream<Uint8Array>, capacity = 0): Promise<FileAnswer> {
  const input = new ByteReader(body.getReader());
  const fields: Record<string, unknown> = {};
  let content: Uint8Array | undefined;
  expect(await input.nextSignificant(), 0x7b);
  let next = await input.nextSignificant();
  if (next !== 0x7d) {
    for (;;) {
      expect(next, 0x22);
      const key = parseJson(`"${utf8.decode(await input.rawStringBody())}"`) as string;
      expect(await input.nextSignificant(), 0x3a);
      const first = await input.nextSignificant();
      if (key === "content" && first === 0x22) {
        content = await input.unescapedString(capacity);
      } else {
        fields[key] = parseJson(utf8.decode(await input.rawValue(first)));
      }
      next = await input.nextSignificant();
      if (next === 0x7d) break;
      expect(next, 0x2c);
      next = await input.nextSignificant();
    }
  }
  if (await input.nextSignificant() !== -1) throw new MalformedAnswerError("more after the answer's object");
  const encoding = typeof fields.encoding === "string" ? fields.encoding.trim().toLowerCase() : "";
  const bytes = content ?? new Uint8Array(0);
  return { fields, bytes: encoding === "base64" ? decodeBase64InPlace(bytes) : bytes };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new MalformedAnswerError(`not JSON: ${text.slice(0, 40)}`);
  }
}

function expect(byte: number, wanted: number): void {
  if (byte !== wanted) {
    throw new MalformedAnswerError(
      `expected ${String.fromCharCode(wanted)}, found ${byte === -1 ? "the end" : String.fromCharCode(byte)}`,
    );
  }
}

/** Base64 text decoded over itself (the bytes are shorter than their text); whitespace and padding as loose. */
function decodeBase64InPlace(text: Uint8Array): Uint8Array | undefined {
  const latin1 = new TextDecoder("latin1");
  let written = 0;
  let carried = "";
  for (let start = 0; start < text.length; start += BASE64_PIECE) {
    const last = start + BASE64_PIECE >= text.length;
    const piece = carried + latin1.decode(text.subarray(start, start + BASE64_PIECE));
    let result: { read: number; written: number };
    try {
      result = text.subarray(written).setFromBase64(piece, {
        lastChunkHandling: last ? "loose" : "stop-before-partial",
      });
    } catch {
      return undefined;
    }
    written += result.written;
    carried = piece.slice(result.read);
  }
  if (carried.trim() !== "") return undefined;
  return text.subarray(0, written);
}

/** Bytes of a stream, a byte or a run at a time. */
class ByteReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #chunk: Uint8Array = new Uint8Array(0);
  #at = 0;

  constructor(reader: ReadableStreamDefaultReader<Uint8Array>) {
    this.#reader = reader;
  }

  /** The next byte, or -1 at the end. */
  async next(): Promise<number> {
    if (!(await this.#filled())) return -1;
    return this.#chunk[this.#at++]!;
  }

  /** False at the end; else the current chunk has a byte left. */
  async #filled(): Promise<boolean> {
    while (this.#at >= this.#chunk.length) {
      const { value, done } = await this.#reader.read();
      if (done) return false;
      this.#chunk = value;
      this.#at = 0;
    }
    return true;
  }

  /** The next byte that is not JSON whitespace, or -1. */
  async nextSignificant(): Promise<number> {
    for (;;) {
      const byte = await this.next();
      if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return byte;
    }
  }

  /** A string's raw bytes up to its closing quote (the opening one was read), escapes left as they are. */
  async rawStringBody(): Promise<Uint8Array> {
    const out = new Growing(64);
    for (;;) {
      const byte = await this.next();
      if (byte === -1) throw new MalformedAnswerError("the answer ends inside a string");
      if (byte === 0x22) return out.bytes();
      out.push(byte);
      if (byte === 0x5c) out.push(await this.next());
      if (out.length > FIELD_MAX_BYTES) throw new MalformedAnswerError("a field is too large");
    }
  }

  /** A whole JSON value's raw bytes, its first byte given: a string, number, literal, object or array. */
  async rawValue(first: number): Promise<Uint8Array> {
    const out = new Growing(64);
    let depth = 0;
    let byte = first;
    for (;;) {
      if (byte === -1) throw new MalformedAnswerError("the answer ends inside a value");
      if (byte === 0x22) {
        out.push(byte);
        out.append(await this.rawStringBody());
        out.push(0x22);
      } else {
        if (byte === 0x7b || byte === 0x5b) depth++;
        if (byte === 0x7d || byte === 0x5d) depth--;
        if (depth < 0 || (depth === 0 && byte === 0x2c)) {
          this.#at--; // the `,` or `}` after the value is the object's
          return out.bytes();
        }
        out.push(byte);
      }
      if (out.length > FIELD_MAX_BYTES) throw new MalformedAnswerError("a field is too large");
      if (depth === 0 && (byte === 0x22 || byte === 0x7d || byte === 0x5d)) return out.bytes();
      byte = await this.next();
    }
  }

  /** A string (opening quote read) unescaped into UTF-8 bytes, runs between escapes copied whole. */
  async unescapedString(capacity: number): Promise<Uint8Array> {
    const out = new Growing(capacity);
    for (;;) {
      if (!(await this.#filled())) throw new MalformedAnswerError("the answer ends inside the content");
      const rest = this.#chunk.subarray(this.#at);
      const quote = rest.indexOf(0x22);
      const slash = rest.indexOf(0x5c);
      const stop = quote === -1 ? slash : slash === -1 ? quote : Math.min(quote, slash);
      const run = stop === -1 ? rest : rest.subarray(0, stop);
      out.append(run);
      this.#at += run.length;
      if (stop === -1) continue;
      this.#at++;
      if (stop === quote) return out.bytes();
      await this.#escape(out);
    }
  }

  async #escape(out: Growing): Promise<void> {
    const kind = await this.next();
    const simple = SIMPLE_ESCAPES[kind];
    if (simple !== undefined) return out.push(simple);
    if (kind !== 0x75) throw new MalformedAnswerError("a bad escape inside the content");
    let unit = await this.#hex4();
    if (unit >= 0xd800 && unit <= 0xdbff) {
      // A high surrogate: with the low one after it, one character; alone, U+FFFD (as TextEncoder would).
      if ((await this.next()) === 0x5c && (await this.next()) === 0x75) {
        const low = await this.#hex4();
        if (low >= 0xdc00 && low <= 0xdfff) {
          out.append(encoder.encode(String.fromCharCode(unit, low)));
          return;
        }
        out.append(encoder.encode("\ufffd"));
        unit = low;
      } else {
        throw new MalformedAnswerError("a lone surrogate escape inside the content");
      }
    }
    out.append(encoder.encode(String.fromCharCode(unit)));
  }

  async #hex4(): Promise<number> {
    let text = "";
    for (let i = 0; i < 4; i++) text += String.fromCharCode(await this.next());
    if (!/^[0-9a-fA-F]{4}$/.test(text)) throw new MalformedAnswerError("a bad \\u escape inside the content");
    return parseInt(text, 16);
  }
}

const encoder = new TextEncoder();

const SIMPLE_ESCAPES: Record<number, number> = {
  0x22: 0x22,
  0x5c: 0x5c,
  0x2f: 0x2f,
  0x62: 0x08,
  0x66: 0x0c,
  0x6e: 0x0a,
  0x72: 0x0d,
  0x74: 0x09,
};

/** A byte buffer that doubles when full. */
class Growing {
  #buffer: Uint8Array;
  length = 0;

  constructor(capacity: number) {
    this.#buffer = new Uint8Array(Math.max(16, capacity));
  }

  push(byte: number): void {
    this.#room(1);
    this.#buffer[this.length++] = byte;
  }

  append(bytes: Uint8Array): void {
    this.#room(bytes.length);
    this.#buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  bytes(): Uint8Array {
    return this.#buffer.subarray(0, this.length);
  }

  #room(more: number): void {
    if (this.length + more <= this.#buffer.length) return;
    const grown = new Uint8Array(Math.max(this.#buffer.length * 2, this.length + more));
    grown.set(this.#buffer.subarray(0, this.length));
    this.#buffer = grown;
  }
}
