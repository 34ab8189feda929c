/** The program's version; kept equal to `version` in deno.json (a test checks). */
export const VERSION = "0.1.0";

/** `relayfile --version` (or `-V`) and nothing else: answered before any of the CLI is loaded. */
export function isVersionRequest(argv: readonly string[]): boolean {
  return argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V");
}
