/**
 * Rows of cells as text: columns aligned by display width (a wide character takes two columns, colour codes none;
 * npm `string-width`) when a person reads them on a terminal, tab-separated otherwise, for scripts that cut them.
 */
import { type TableFormatter, tabSeparated } from "../lib/table.ts";
import type { CliIo } from "./_io.ts";

/** The formatter for this process's stdout (`string-width` is loaded only for a terminal). */
export async function tableFor(io: CliIo): Promise<TableFormatter> {
  if (!io.stdoutIsTerminal) return tabSeparated;
  const { default: stringWidth } = await import("string-width");
  return (rows) => {
    const widths: number[] = [];
    for (const row of rows) {
      row.forEach((cell, index) => widths[index] = Math.max(widths[index] ?? 0, stringWidth(cell)));
    }
    return rows.map((row) =>
      row.map((cell, index) =>
        index === row.length - 1 ? cell : cell + " ".repeat(widths[index]! - stringWidth(cell) + 2)
      )
        .join("")
    ).join("\n");
  };
}
