/**
 * Three-way line merge — the reference's `three-way-lines-v1`, shared by the mount (which merges when it meets a
 * conflict) and the server (`POST fs/merge`), pure. Each side is diffed against the base (jsdiff's Myers diff, its
 * work bounded), and the changed ranges of both are laid side by side as diff3 does: where only one side changed, its
 * lines are taken; where both changed the same base lines differently, that range is a conflict.
 *
 * (node-diff3 did this before; its LCS scans its candidates linearly for every pair of equal lines, so lines that
 * repeat — blank lines, `}` — made it cubic: a 250 KB source file took 45 s, a 380 KB one 161 s, holding the mount or
 * the server the whole time.)
 */
import { diffArrays } from "diff/lib/diff/array.js";

export const MERGE_STRATEGY = "three-way-lines-v1";

/** Larger texts are never merged (the reference server's limit): they become conflicts. */
export const MERGE_MAX_BYTES = 512 * 1024;

/**
 * Lines a side may add and remove against the base (lines found in only one of the two not counted) and still be
 * merged line by line. It bounds the diff's work, which grows with lines × edits; past it, the file is a conflict.
 */
const MAX_EDITED_LINES = 2_000;

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
  const [o, a, b] = [splitLines(base), splitLines(mine), splitLines(theirs)];
  const mineHunks = changedRanges(o, a, "mine");
  const theirHunks = changedRanges(o, b, "theirs");
  if (!mineHunks || !theirHunks) {
    const reason = "too many lines changed to merge line by line";
    return { kind: "conflict", conflicts: [{ unit: `base lines 1-${o.length}`, reason, base, mine, theirs }] };
  }
  const hunks = [...mineHunks, ...theirHunks].sort((x, y) => x.oStart - y.oStart);
  const merged: string[] = [];
  const conflicts: LineConflict[] = [];
  let done = 0; // base lines before this are in `merged`
  for (let next = 0; next < hunks.length;) {
    // A region: the hunks whose base ranges overlap or touch, one after another.
    const region = [hunks[next++]!];
    const start = region[0]!.oStart;
    let end = region[0]!.oEnd;
    while (next < hunks.length && hunks[next]!.oStart <= end) {
      end = Math.max(end, hunks[next]!.oEnd);
      region.push(hunks[next++]!);
    }
    merged.push(...o.slice(done, start));
    done = end;
    const mineHere = sideOf(region, "mine", a, o, start, end);
    const theirsHere = sideOf(region, "theirs", b, o, start, end);
    if (!region.some((hunk) => hunk.side === "theirs")) merged.push(...mineHere);
    else if (!region.some((hunk) => hunk.side === "mine")) merged.push(...theirsHere);
    else if (sameLines(mineHere, theirsHere)) merged.push(...mineHere);
    else {
      conflicts.push({
        unit: `base lines ${start + 1}-${end}`,
        reason: "concurrently changed",
        base: o.slice(start, end).join(""),
        mine: mineHere.join(""),
        theirs: theirsHere.join(""),
      });
    }
  }
  merged.push(...o.slice(done));
  return conflicts.length > 0 ? { kind: "conflict", conflicts } : { kind: "merged", text: merged.join("") };
}

/** Base lines `oStart..oEnd` became the side's lines `start..end` (half-open ranges). */
interface Hunk {
  side: "mine" | "theirs";
  oStart: number;
  oEnd: number;
  start: number;
  end: number;
}

/** Where `side` differs from `base`, or `undefined` past `MAX_EDITED_LINES`. */
function changedRanges(base: string[], side: string[], name: Hunk["side"]): Hunk[] | undefined {
  const matched = matchedLines(base, side);
  if (!matched) return undefined;
  const hunks: Hunk[] = [];
  let [o, s] = [0, 0];
  for (const [oAt, sAt] of [...matched, [base.length, side.length] as const]) {
    if (oAt > o || sAt > s) hunks.push({ side: name, oStart: o, oEnd: oAt, start: s, end: sAt });
    [o, s] = [oAt + 1, sAt + 1];
  }
  return hunks;
}

/**
 * The pairs of base and side lines a longest common subsequence matches, in order. Lines found in only one of the two
 * cannot be matched: they are left out before diffing, so two very different files cost little.
 */
function matchedLines(base: string[], side: string[]): (readonly [number, number])[] | undefined {
  const [inBase, inSide] = [new Set(base), new Set(side)];
  const baseAt = base.flatMap((line, index) => inSide.has(line) ? [index] : []);
  const sideAt = side.flatMap((line, index) => inBase.has(line) ? [index] : []);
  const changes = diffArrays(baseAt.map((index) => base[index]!), sideAt.map((index) => side[index]!), {
    maxEditLength: MAX_EDITED_LINES,
  });
  if (!changes) return undefined;
  const pairs: (readonly [number, number])[] = [];
  let [o, s] = [0, 0];
  for (const change of changes) {
    if (change.added) s += change.count;
    else if (change.removed) o += change.count;
    else for (let k = 0; k < change.count; k++) pairs.push([baseAt[o++]!, sideAt[s++]!]);
  }
  return pairs;
}

/** A side's lines over the base range `start..end`: its hunks there, and the base's lines it left as they were. */
function sideOf(
  region: readonly Hunk[],
  side: Hunk["side"],
  lines: string[],
  base: string[],
  start: number,
  end: number,
): string[] {
  const own = region.filter((hunk) => hunk.side === side);
  if (own.length === 0) return base.slice(start, end);
  const first = own[0]!;
  const last = own.at(-1)!;
  return lines.slice(first.start - (first.oStart - start), last.end + (end - last.oEnd));
}

function sameLines(x: readonly string[], y: readonly string[]): boolean {
  return x.length === y.length && x.every((line, index) => line === y[index]);
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
