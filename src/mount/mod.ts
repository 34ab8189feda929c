export { type MountOptions, type MountSummary, runMount } from "./run.ts";
export { fileToken, fixedToken, type TokenSource } from "./token_source.ts";
