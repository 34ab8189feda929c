/** Options that several commands take, declared once so their names, values and help read the same everywhere. */
import { Option } from "@commander-js/extra-typings";
import {
  classificationArgument,
  durationArgument,
  stateArgument,
  statusArgument,
  waitDurationArgument,
} from "./_filters.ts";

export const jsonOption = () => new Option("--json", "print a JSON document (schemaVersion 1)");
export const dirOption = () => new Option("--dir <path>", "the mount folder (instead of a workspace)");
export const workspaceOption = (help = "workspace name or id") => new Option("--workspace <name>", help);
export const opIdOption = (verb: string) => new Option("--opId <op>", `the dead-lettered op to ${verb}`);
export const allOption = (verb: string) =>
  new Option("--all", `${verb} every dead-lettered op (narrowed by --path, --status, --older-than)`);
export const dryRunOption = (verb: string) => new Option("--dry-run", `print what would be ${verb} and change nothing`);

export const stateOption = () =>
  new Option("--state <states>", "only these states: pending, in_flight, retry_wait, accepted, dead_lettered (dead)")
    .argParser(stateArgument);
export const pathOption = () => new Option("--path <glob>", "only paths matching this glob (/docs/**, *.md)");
export const statusOption = () =>
  new Option("--status <codes>", "only ops whose last HTTP status matches (503, 4xx, 409,412)").argParser(
    statusArgument,
  );
export const classificationOption = () =>
  new Option("--classification <names>", "only dead letters of these kinds (provider, transient, forbidden, …)")
    .argParser(classificationArgument);
export const olderThanOption = () =>
  new Option("--older-than <duration>", "only ops older than this (90s, 15m, 2h, 1d)").argParser(durationArgument);

/** `--timeout` of the commands that wait for a write to reach the provider (`push`, `resolve`). */
export const timeoutOption = () =>
  new Option("--timeout <duration>", "how long to wait for the provider's receipt; 0: only until the server has it")
    .argParser(waitDurationArgument).default(90_000, "90s");
