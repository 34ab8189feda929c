/** Compact JWS: parsing, HS256 signing and verification, RS256 verification with a JWK. WebCrypto only. */

export interface ParsedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: Uint8Array;
  signature: Uint8Array;
}

const encoder = new TextEncoder();

export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Unpadded base64url only, as JWS requires; `undefined` for anything else. */
export function base64UrlDecode(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/").padEnd(Math.ceil(text.length / 4) * 4, "="));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/** Splits and decodes a token; `undefined` when it is not three base64url parts with JSON objects. */
export function parseJwt(token: string): ParsedJwt | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const [header, payload, signature] = parts.map(base64UrlDecode);
  if (!header || !payload || !signature) return undefined;
  try {
    const headerJson = JSON.parse(new TextDecoder().decode(header));
    const payloadJson = JSON.parse(new TextDecoder().decode(payload));
    if (!isObject(headerJson) || !isObject(payloadJson)) return undefined;
    return {
      header: headerJson,
      payload: payloadJson,
      signingInput: encoder.encode(`${parts[0]}.${parts[1]}`),
      signature,
    };
  } catch {
    return undefined;
  }
}

function hmacKey(secret: Uint8Array, usage: "sign" | "verify"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", secret as Uint8Array<ArrayBuffer>, { name: "HMAC", hash: "SHA-256" }, false, [
    usage,
  ]);
}

export async function signHs256(payload: Record<string, unknown>, secret: Uint8Array): Promise<string> {
  const header = base64UrlEncode(encoder.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));
  const body = base64UrlEncode(encoder.encode(JSON.stringify(payload)));
  const signature = await crypto.subtle.sign(
    "HMAC",
    await hmacKey(secret, "sign"),
    encoder.encode(`${header}.${body}`),
  );
  return `${header}.${body}.${base64UrlEncode(new Uint8Array(signature))}`;
}

export async function verifyHs256(jwt: ParsedJwt, secret: Uint8Array): Promise<boolean> {
  return await crypto.subtle.verify(
    "HMAC",
    await hmacKey(secret, "verify"),
    jwt.signature as Uint8Array<ArrayBuffer>,
    jwt.signingInput as Uint8Array<ArrayBuffer>,
  );
}

export async function verifyRs256(jwt: ParsedJwt, jwk: JsonWebKey): Promise<boolean> {
  const key = await crypto.subtle.importKey(
    "jwk",
    { kty: jwk.kty, n: jwk.n, e: jwk.e },
    { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    false,
    ["verify"],
  );
  return await crypto.subtle.verify(
    "RSASSA-PKCS1-v1_5",
    key,
    jwt.signature as Uint8Array<ArrayBuffer>,
    jwt.signingInput as Uint8Array<ArrayBuffer>,
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
