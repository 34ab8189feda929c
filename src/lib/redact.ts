/** Keeps tokens out of anything persisted or logged from a server answer. Pure. */

export const MAX_BODY_SAMPLE_BYTES = 1024;

const SECRET_PATTERNS: RegExp[] = [
  /eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g, // JWT
  /(bearer\s+)[^\s"',;]+/gi,
  /("?(?:access_?token|refresh_?token|token|secret|password|authorization)"?\s*[:=]\s*"?)[^"&\s,}]+/gi,
];

export function redactSecrets(text: string): string {
  return SECRET_PATTERNS.reduce(
    (result, pattern) =>
      result.replace(
        pattern,
        (match, prefix?: unknown) =>
          typeof prefix === "string" && match.startsWith(prefix) ? `${prefix}[redacted]` : "[redacted]",
      ),
    text,
  );
}

/** The first `MAX_BODY_SAMPLE_BYTES` bytes of a body, cut on a character boundary, secrets redacted. */
export function sampleBody(body: string): string {
  const redacted = redactSecrets(body);
  const bytes = new TextEncoder().encode(redacted);
  if (bytes.length <= MAX_BODY_SAMPLE_BYTES) return redacted;
  let end = MAX_BODY_SAMPLE_BYTES;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end));
}
