import { sep as SEP } from "node:path";
import { errorMessage } from "../lib/errors.ts";

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

const READ_CHUNK = 2048;

/** The `error` of a record whose file does not exist (or vanished while being read). */
export const NOT_FOUND = "file not found";

/** File names in `dir` accepted by `accept` (regular files only); empty when the folder does not exist. */
export function listFiles(dir: string, accept: (name: string) => boolean): Promise<string[]> {
  const names: string[] = [];
  try {
    // One synchronous listing: for a folder of thousands of records it is a third faster than the async iterator.
    for (const entry of Deno.readDirSync(dir)) {
      if (entry.isFile && accept(entry.name)) names.push(entry.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return Promise.resolve([]);
    return Promise.reject(error);
  }
  return Promise.resolve(names.sort());
}

export async function directoryExists(dir: string): Promise<boolean> {
  try {
    return (await Deno.stat(dir)).isDirectory;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * Reads and parses every `*.json` record in `dir` accepted by `accept`, in name order. Small files are read
 * synchronously in chunks — several times faster than one async op per file for thousands of records — with a turn
 * of the event loop between chunks so a running daemon is never blocked for long.
 */
export async function readJsonRecords(dir: string, accept: (name: string) => boolean): Promise<RawRecord[]> {
  const names = await listFiles(dir, (name) => name.endsWith(".json") && !name.startsWith(".") && accept(name));
  const records: RawRecord[] = [];
  for (let start = 0; start < names.length; start += READ_CHUNK) {
    if (start > 0) await new Promise((resolve) => setTimeout(resolve, 0));
    // Plain concatenation: node:path's join costs as much as parsing here, and `dir` is already a clean path.
    for (const name of names.slice(start, start + READ_CHUNK)) {
      records.push(readJsonRecordSync(`${dir}${SEP}${name}`, name));
    }
  }
  return records;
}

export function readJsonRecord(file: string, name: string): Promise<RawRecord> {
  return Promise.resolve(readJsonRecordSync(file, name));
}

function readJsonRecordSync(file: string, name: string): RawRecord {
  try {
    return { file, name, value: JSON.parse(Deno.readTextFileSync(file)) };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { file, name, error: NOT_FOUND };
    return { file, name, error: errorMessage(error) };
  }
}

export function stemOf(name: string): string {
  return name.replace(/\.json$/, "");
}
