/** One line that says where a document broke its schema: `path.to.field: message; …`. */
import type { z } from "zod";

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join(".") : "document"}: ${issue.message}`)
    .join("; ");
}
