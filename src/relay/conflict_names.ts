/**
 * The name of the conflict copy written beside a file (`report.conflict-rev_8-20261129T140502Z.md`), pure: made
 * here, recognised here, so that such copies are never uploaded. The revision is the one the local bytes were
 * made on; the time is when the conflict was met (UTC).
 */
/** What a copy's name adds after the file's stem: `.conflict-<rev>-<YYYYMMDDTHHMMSSZ>`. */
const MARK = String.raw`\.conflict-[\w.-]+-\d{8}T\d{6}Z`;
const COPY_NAME = new RegExp(`${MARK}(?:\\.[^./]+)?$`);
const MARK_AT_END = new RegExp(`${MARK}$`);

export function besideCopyName(fileName: string, baseRevision: string | null, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");
  const rev = (baseRevision ?? "new").replace(/[^\w.-]/g, "_");
  const [stem, ext] = splitExtension(fileName);
  return `${stem}.conflict-${rev}-${stamp}${ext}`;
}

/** `report.md` → `report`, `.md`; a dotfile (`.env`) or a name without a dot has no extension. */
function splitExtension(fileName: string): [string, string] {
  const dot = fileName.lastIndexOf(".");
  return dot > 0 ? [fileName.slice(0, dot), fileName.slice(dot)] : [fileName, ""];
}

export function isConflictCopyName(fileName: string): boolean {
  return COPY_NAME.test(fileName);
}

/** True when `copyName` is a conflict copy of `fileName` (same stem and extension). */
export function isConflictCopyOf(copyName: string, fileName: string): boolean {
  if (!isConflictCopyName(copyName)) return false;
  const [stem, ext] = splitExtension(fileName);
  if (!copyName.endsWith(ext)) return false;
  const withoutExt = ext ? copyName.slice(0, -ext.length) : copyName;
  return withoutExt.replace(MARK_AT_END, "") === stem;
}
