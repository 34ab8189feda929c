import type { ExitCode } from "./_exit_codes.ts";
import type { CliIo } from "./_io.ts";

/** What a command's action gets besides its parsed options: the process seam and where to put its exit code. */
export interface CommandContext {
  io: CliIo;
  exit(code: ExitCode): void;
}
