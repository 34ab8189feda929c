/** Rows of cells as text, one line each; the default joins cells with tabs (what scripts cut). Pure. */
export type TableFormatter = (rows: readonly (readonly string[])[]) => string;

export const tabSeparated: TableFormatter = (rows) => rows.map((row) => row.join("\t")).join("\n");
