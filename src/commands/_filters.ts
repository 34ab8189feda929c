import { InvalidArgumentError } from "@commander-js/extra-typings";
import { LONGEST_TIMER_MS, parseDuration } from "../lib/duration.ts";
import { type ListFilter, type ListState, parseStates, parseStatusFilter } from "../inspect/mod.ts";
import { type Classification, CLASSIFICATIONS } from "../relay/mod.ts";

export interface FilterOptions {
  state?: Set<ListState>;
  path?: string;
  status?: (status: number) => boolean;
  olderThan?: number;
  classification?: Set<Classification>;
}

/** `--classification provider,transient`: names from the classification table. */
export function classificationArgument(text: string): Set<Classification> {
  const names = text.split(",").map((name) => name.trim()).filter(Boolean);
  if (names.length === 0 || names.some((name) => !(CLASSIFICATIONS as readonly string[]).includes(name))) {
    throw new InvalidArgumentError(`expected one or more of ${CLASSIFICATIONS.join(", ")} (comma-separated)`);
  }
  return new Set(names as Classification[]);
}

export function stateArgument(text: string): Set<ListState> {
  const states = parseStates(text);
  if (!states) {
    throw new InvalidArgumentError(
      "expected pending, in_flight, retry_wait, accepted or dead_lettered (comma-separated)",
    );
  }
  return states;
}

export function statusArgument(text: string): (status: number) => boolean {
  const filter = parseStatusFilter(text);
  if (!filter) throw new InvalidArgumentError("expected HTTP statuses or classes such as 503, 4xx or 409,412");
  return filter;
}

export function durationArgument(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new InvalidArgumentError("expected a duration such as 90s, 15m, 2h or 1d");
  return ms;
}

const tooLong = () => new InvalidArgumentError("expected a duration of at most 24d");

/** A duration a timer waits (zero allowed): at most what a timer can hold. */
export function waitDurationArgument(text: string): number {
  const ms = durationArgument(text);
  if (ms > LONGEST_TIMER_MS) throw tooLong();
  return ms;
}

/**
 * An argument parser for a duration that must be more than zero and at most `longest`; `examples` fill its error
 * message.
 */
export function positiveDurationArgument(examples: string, longest = Infinity): (text: string) => number {
  return (text) => {
    const ms = parseDuration(text);
    if (ms === undefined || ms <= 0) throw new InvalidArgumentError(`expected a duration such as ${examples}`);
    if (ms > longest) throw tooLong();
    return ms;
  };
}

export function toListFilter(options: FilterOptions): ListFilter {
  return {
    ...(options.state ? { states: options.state } : {}),
    ...(options.path !== undefined ? { path: options.path } : {}),
    ...(options.status ? { status: options.status } : {}),
    ...(options.olderThan !== undefined ? { olderThanMs: options.olderThan } : {}),
    ...(options.classification ? { classifications: options.classification } : {}),
  };
}

export function hasFilter(options: FilterOptions): boolean {
  return options.state !== undefined || options.path !== undefined || options.status !== undefined ||
    options.olderThan !== undefined || options.classification !== undefined;
}
