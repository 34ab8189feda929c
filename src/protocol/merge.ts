/**
 * Three-way line merge — the reference's `three-way-lines-v1`, shared by the mount (which merges when it meets a
 * conflict) and the server (`POST fs/merge`), pure. The diff is node-diff3's; this file only splits text into lines
 * (each keeping its line ending, so the merge gives back the bytes exactly) and says which texts may be merged.
 */
import { diff3Merge } from "node-diff3";

export const MERGE_STRATEGY = "three-way-lines-v1";

/** Larger texts are never merged (the reference server's limit): they become conflicts. */
export const MERGE_MAX_BYTES = 512 * 1024;

/** One base line range both sides changed differently (the reference's `conflicts[]` entry). */
export interface LineConflict {
  unit: string;
  reason: string;
  base: string;
  mine: string;
  theirs: string;
}

export type MergeResult =
  | { kind: "merged"; text: string }
  | { kind: "conflict"; conflicts: LineConflict[] };

/** Lines with their endings: joining them gives the text back exactly. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/**
 * Merges `mine` and `theirs`, both changed from `base`: clean when their changes touch different lines (or make the
 * same change), else the ranges both changed.
 */
export function mergeLines(base: string, mine: string, theirs: string): MergeResult {
  const regions = diff3Merge(splitLines(mine), splitLines(base), splitLines(theirs), { excludeFalseConflicts: true });
  const merged: string[] = [];
  const conflicts: LineConflict[] = [];
  for (const region of regions) {
    if (region.ok) merged.push(...region.ok);
    else if (region.conflict) {
      const { a, o, b, oIndex } = region.conflict;
      conflicts.push({
        unit: `base lines ${oIndex + 1}-${oIndex + o.length}`,
        reason: "concurrently changed",
        base: o.join(""),
        mine: a.join(""),
        theirs: b.join(""),
      });
    }
  }
  return conflicts.length > 0 ? { kind: "conflict", conflicts } : { kind: "merged", text: merged.join("") };
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The text of `bytes` when a line merge may work on it: UTF-8, no NUL byte, at most `MERGE_MAX_BYTES`. */
export function mergeableText(bytes: Uint8Array): string | undefined {
  if (bytes.length > MERGE_MAX_BYTES || bytes.includes(0)) return undefined;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}
