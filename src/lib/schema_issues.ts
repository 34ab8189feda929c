/** One line that says where a document broke its schema: `path.to.field: message; …`. */
import { type BaseIssue, getDotPath } from "valibot";

export function describeIssues(issues: readonly BaseIssue<unknown>[]): string {
  return issues.map((issue) => `${getDotPath(issue) ?? "document"}: ${issue.message}`).join("; ");
}
