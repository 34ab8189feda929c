import { type GenericSchema, safeParse } from "valibot";
import { errorMessage, InvalidRecordError } from "../lib/errors.ts";
import { describeIssues } from "../lib/schema_issues.ts";

/** Reads and validates a JSON config file; `undefined` when it does not exist. */
export async function readJsonFile<T>(path: string, schema: GenericSchema<unknown, T>): Promise<T | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new InvalidRecordError(path, `Cannot read ${path}: ${errorMessage(error)}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidRecordError(path, `parse ${path}: ${errorMessage(error)}`, { cause: error });
  }
  const parsed = safeParse(schema, value);
  if (!parsed.success) {
    throw new InvalidRecordError(path, `parse ${path}: ${describeIssues(parsed.issues)}`);
  }
  return parsed.output;
}
