/**
 * The finished dead-letter records in a folder, by file name, sorted. The atomic write's temp file
 * (`.op_….json.tmp-…`) can be seen for a moment and is never one of them.
 */
export function deadLetterNames(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((entry) => entry.name).filter((name) => /^op_.*\.json$/.test(name)).sort();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}
