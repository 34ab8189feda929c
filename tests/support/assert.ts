/** std-style assertion names over node:assert/strict (JSR's @std/assert is not reachable from these machines). */
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";

// deno-lint-ignore no-explicit-any
type ErrorClass = new (...args: any[]) => Error;

export function assertEquals<T>(actual: unknown, expected: T, message?: string): void {
  if (isDeepStrictEqual(actual, expected)) return;
  // node:assert's diff of two large values that differ takes memory beyond measure (two 3 MB byte arrays: past 3 GB
  // in a second, then the OOM killer): large ones are told apart by their first difference instead.
  if (isLarge(actual) || isLarge(expected)) {
    throw new assert.AssertionError({
      message: `${message ? `${message}: ` : ""}${firstDifference(actual, expected)}`,
    });
  }
  assert.deepStrictEqual(actual, expected, message);
}

/** Past this length a string, array or byte array is not diffed. */
const LARGEST_DIFFED = 10_000;

function isLarge(value: unknown): boolean {
  if (typeof value === "string" || Array.isArray(value)) return value.length > LARGEST_DIFFED;
  return ArrayBuffer.isView(value) && value.byteLength > LARGEST_DIFFED;
}

function firstDifference(actual: unknown, expected: unknown): string {
  const describe = (value: unknown) =>
    typeof value === "string" || Array.isArray(value)
      ? `${typeof value === "string" ? "a string" : "an array"} of length ${value.length}`
      : ArrayBuffer.isView(value)
      ? `${value.constructor.name} of ${value.byteLength} bytes`
      : typeof value;
  const sequences = [actual, expected].map((value) =>
    typeof value === "string" || Array.isArray(value)
      ? value
      : ArrayBuffer.isView(value)
      ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
      : undefined
  );
  const [a, b] = sequences as [ArrayLike<unknown> | undefined, ArrayLike<unknown> | undefined];
  let at = -1;
  if (a && b) {
    const length = Math.min(a.length, b.length);
    for (let index = 0; index < length && at < 0; index++) if (!isDeepStrictEqual(a[index], b[index])) at = index;
    if (at < 0) at = length;
  }
  return `expected ${describe(expected)}, got ${describe(actual)}` + (at >= 0 ? `; they differ from index ${at}` : "");
}

export function assertNotEquals(actual: unknown, expected: unknown, message?: string): void {
  assert.notDeepStrictEqual(actual, expected, message);
}

export function assertOk(value: unknown, message?: string): asserts value {
  assert.ok(value, message);
}

export function assertMatch(text: string, pattern: RegExp, message?: string): void {
  assert.match(text, pattern, message);
}

export function assertIncludes(text: string, part: string, message?: string): void {
  assert.ok(text.includes(part), message ?? `expected ${JSON.stringify(text)} to include ${JSON.stringify(part)}`);
}

export function assertNotIncludes(text: string, part: string, message?: string): void {
  assert.ok(!text.includes(part), message ?? `expected ${JSON.stringify(text)} not to include ${JSON.stringify(part)}`);
}

export function assertThrows(fn: () => unknown, errorClass: ErrorClass, messageIncludes?: string): Error {
  try {
    fn();
  } catch (error) {
    return checkError(error, errorClass, messageIncludes);
  }
  throw new assert.AssertionError({ message: `expected ${errorClass.name} to be thrown` });
}

export async function assertRejects(
  fn: () => Promise<unknown>,
  errorClass: ErrorClass,
  messageIncludes?: string,
): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    return checkError(error, errorClass, messageIncludes);
  }
  throw new assert.AssertionError({ message: `expected ${errorClass.name} to be rejected` });
}

function checkError(error: unknown, errorClass: ErrorClass, messageIncludes?: string): Error {
  assert.ok(error instanceof errorClass, `expected ${errorClass.name}, got ${String(error)}`);
  if (messageIncludes !== undefined) assertIncludes(error.message, messageIncludes);
  return error;
}
