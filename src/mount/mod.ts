export { describeSummary, type MountOptions, type MountSummary, runMount } from "./run.ts";
export { fileToken, fixedToken, textFileToken, type TokenSource } from "./token_source.ts";
export { type DryRunPlan, planDryRun } from "./dry_run.ts";
