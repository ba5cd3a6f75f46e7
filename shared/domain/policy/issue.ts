/** One thing wrong with a policy file: where (a data path) and what. Never the offending value. */
export interface PolicyIssue {
  /** `credentials[2].rotation.validityDays`; `(root)` for the document itself. */
  path: string;
  message: string;
  /** 1-based position in the file, for syntax errors (and wherever else it is known). */
  line?: number;
  column?: number;
}

export type PathSegment = string | number;

const identifier = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** Brackets for indexes, dots for keys: `alerts.webhooks[0].url`. Keys that are not plain words are quoted. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(root)";
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (typeof segment === "string" && identifier.test(segment)) text += text === "" ? segment : `.${segment}`;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text;
}

/** `credentials[2].rotation.validityDays: expected a number`; syntax errors lead with `line:column`. */
export function formatIssue(issue: PolicyIssue): string {
  if (issue.line !== undefined) return `${issue.line}:${issue.column ?? 1}: ${issue.message}`;
  return `${issue.path}: ${issue.message}`;
}
