/**
 * Glob matching for `--path` filters, pure: `*` and `?` stay inside one path segment, `**` crosses segments,
 * `[abc]` is a character class. (node:path's matchesGlob reads environment variables, which the binary's
 * permission set does not grant.)
 */
export function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === "*") {
      if (glob[i + 1] === "*") {
        const slashAfter = glob[i + 2] === "/";
        source += slashAfter ? "(?:.*/)?" : ".*";
        i += slashAfter ? 2 : 1;
      } else {
        source += "[^/]*";
      }
    } else if (char === "?") {
      source += "[^/]";
    } else if (char === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end === -1) {
        source += "\\[";
      } else {
        const body = glob.slice(i + 1, end).replace(/^!/, "^").replaceAll("\\", "\\\\");
        source += `[${body}]`;
        i = end;
      }
    } else {
      source += char.replace(/[.+^${}()|\\\]]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`);
}

/** Matches a remote path against a glob; a glob without a leading `/` or `**` is taken from the root. */
export function matchesGlob(path: string, glob: string): boolean {
  const anchored = glob.startsWith("/") || glob.startsWith("**") ? glob : `/${glob}`;
  return globToRegExp(anchored).test(path);
}
