import { basename } from "node:path";
import { InvalidRecordError, OpNotFoundError, UsageError } from "../lib/errors.ts";
import { filterItems, listItems } from "../inspect/mod.ts";
import { type DeadLetterEntry, relayPaths } from "../relay/mod.ts";
import { type FilterOptions, hasFilter, toListFilter } from "./_filters.ts";
import type { WritebackTarget } from "./_writeback_target.ts";

export interface SelectionOptions extends FilterOptions {
  opId?: string;
  all?: boolean;
}

/** The dead-lettered ops named by `--opId OP`, or by `--all` narrowed by the list filters. */
export function selectDeadLetters(
  target: WritebackTarget,
  options: SelectionOptions,
  command: string,
  now: Date,
): DeadLetterEntry[] {
  if (options.opId !== undefined && (options.all || hasFilter(options))) {
    throw new UsageError("pass either --opId OP or --all with filters, not both");
  }
  if (options.opId !== undefined) return [findDeadLetter(target, options.opId)];
  if (!options.all) {
    throw new UsageError(`${command} needs --opId OP, or --all (narrowed by --path, --status, --older-than)`);
  }
  if (options.state && [...options.state].some((state) => state !== "dead_lettered")) {
    throw new UsageError(`${command} works on dead-lettered ops only; drop --state or use --state dead_lettered`);
  }
  const chosen = new Set(
    filterItems(
      listItems(target.snapshot),
      { ...toListFilter(options), states: new Set(["dead_lettered"]) },
      now.getTime(),
    )
      .map((item) => item.opId),
  );
  return target.snapshot.deadLettered.filter((entry) => chosen.has(entry.opId));
}

function findDeadLetter(target: WritebackTarget, rawOpId: string): DeadLetterEntry {
  const opId = rawOpId.trim();
  if (opId === "") throw new UsageError("opId is required");
  if (/[\\/]/.test(opId) || opId === "." || opId === "..") throw new UsageError(`invalid opId "${opId}"`);
  const entry = target.snapshot.deadLettered.find((candidate) => candidate.opId === opId);
  if (entry) return entry;
  const deadLetterDir = relayPaths(target.mountDir).deadLetter;
  const unreadable = target.snapshot.problems.find((problem) =>
    problem.file.startsWith(deadLetterDir) && basename(problem.file) === `${opId}.json`
  );
  if (unreadable) {
    throw new InvalidRecordError(
      unreadable.file,
      `invalid dead-letter record ${unreadable.file}: ${unreadable.message}`,
      {
        hint: "the record is kept as it is; fix it or move it aside",
      },
    );
  }
  const queued = target.snapshot.queued.find((op) => op.opId === opId);
  if (queued) {
    throw new OpNotFoundError(opId, `op "${opId}" is not dead-lettered: it is ${queued.state.replace("_", " ")}`);
  }
  throw new OpNotFoundError(opId, `unknown dead-letter op "${opId}"`, {
    hint: "relayfile writeback list --state dead_lettered shows the ops that can be retried",
  });
}
