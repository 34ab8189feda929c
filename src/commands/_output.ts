import type { CliIo } from "./_io.ts";
import { useColor } from "./_io.ts";

/** `error: <message>` and an optional `hint: <next step>` on stderr, the way Deno prints them. */
export function printError(io: CliIo, message: string, hint?: string): void {
  const color = useColor(io, "stderr");
  const label = (text: string, code: string) => color ? `\x1b[${code}m${text}\x1b[0m` : text;
  io.stderr(`${label("error", "1;31")}: ${message}\n`);
  if (hint) io.stderr(`${label("hint", "36")}: ${hint}\n`);
}

export function printNote(io: CliIo, message: string): void {
  io.stderr(`note: ${message}\n`);
}

/** A `--json` document: pretty-printed, newline-terminated. */
export function printJson(io: CliIo, document: unknown): void {
  io.stdout(JSON.stringify(document, null, 2) + "\n");
}
