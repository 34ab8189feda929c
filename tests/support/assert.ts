/** std-style assertion names over node:assert/strict (JSR's @std/assert is not reachable from these machines). */
import assert from "node:assert/strict";

// deno-lint-ignore no-explicit-any
type ErrorClass = new (...args: any[]) => Error;

export function assertEquals<T>(actual: unknown, expected: T, message?: string): void {
  assert.deepStrictEqual(actual, expected, message);
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
