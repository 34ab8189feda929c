import { join } from "node:path";
import { errorMessage } from "../errors.ts";

export interface RawRecord {
  /** Absolute path of the file. */
  file: string;
  /** File name without the directory. */
  name: string;
  /** The parsed JSON, when the file could be read and parsed. */
  value?: unknown;
  /** Why it could not, otherwise. */
  error?: string;
}

/** A file that should be a record and is not; reported, never deleted. */
export interface Problem {
  file: string;
  message: string;
}

const READ_CONCURRENCY = 64;

/** The `error` of a record whose file does not exist (or vanished while being read). */
export const NOT_FOUND = "file not found";

/** File names in `dir` accepted by `accept` (regular files only); empty when the folder does not exist. */
export async function listFiles(dir: string, accept: (name: string) => boolean): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && accept(entry.name)) names.push(entry.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return names.sort();
}

export async function directoryExists(dir: string): Promise<boolean> {
  try {
    return (await Deno.stat(dir)).isDirectory;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Reads and parses every `*.json` record in `dir` accepted by `accept`, in name order, a bounded number at once. */
export async function readJsonRecords(dir: string, accept: (name: string) => boolean): Promise<RawRecord[]> {
  const names = await listFiles(dir, (name) => name.endsWith(".json") && !name.startsWith(".") && accept(name));
  const records: RawRecord[] = new Array(names.length);
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const index = next++;
      const name = names[index]!;
      records[index] = await readJsonRecord(join(dir, name), name);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, names.length) }, worker));
  return records;
}

export async function readJsonRecord(file: string, name: string): Promise<RawRecord> {
  try {
    const text = await Deno.readTextFile(file);
    return { file, name, value: JSON.parse(text) };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { file, name, error: NOT_FOUND };
    return { file, name, error: errorMessage(error) };
  }
}

export function stemOf(name: string): string {
  return name.replace(/\.json$/, "");
}
