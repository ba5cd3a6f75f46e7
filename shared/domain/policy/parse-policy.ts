import { expandEnvironment } from "./expand-env.js";
import { humanMessages } from "./human-messages.js";
import { formatPath, type PolicyIssue } from "./issue.js";
import { policySchema, type Policy } from "./policy-schema.js";
import { readPolicyDocument } from "./read-document.js";
import { waiverDateIssues } from "./waiver-schema.js";

export type PolicyResult = { ok: true; policy: Policy } | { ok: false; errors: PolicyIssue[] };

export interface ParsePolicyOptions {
  /** Decides the syntax: `.json` is JSON, anything else (or nothing) YAML. */
  filename?: string;
  /** Where `${NAME}` references are looked up (process.env at the edge, a plain object in tests). */
  env: Record<string, string | undefined>;
  /**
   * The clock for the waivers' date rules (an ended waiver, one more than 365 days ahead); without it they are
   * not checked. `endedWaivers: "allow"` (a running watchdog) lets an ended waiver through: it simply stops
   * silencing, and the finding alerts again, instead of the whole cycle stopping on the day it ends.
   */
  now?: Date;
  endedWaivers?: "error" | "allow";
}

function isWithin(path: string, parent: string): boolean {
  return path === parent || path.startsWith(`${parent}.`) || path.startsWith(`${parent}[`);
}

/**
 * Parses and validates a policy file: syntax, `${NAME}` expansion, then the schema. Every issue is
 * reported (not only the first), each with its path; no message quotes a value from the file or the env.
 */
export function parsePolicy(text: string, options: ParsePolicyOptions): PolicyResult {
  const document = readPolicyDocument(text.replace(/^\uFEFF/, ""), options.filename);
  if (!document.ok) return { ok: false, errors: document.issues };
  if (document.value === null || document.value === undefined) {
    return { ok: false, errors: [{ path: "(root)", message: "the policy file is empty (it needs at least version: 1)" }] };
  }

  const expansion = expandEnvironment(document.value, options.env);
  const parsed = policySchema.safeParse(expansion.value, { error: humanMessages });
  if (parsed.success && expansion.issues.length === 0) {
    const dated = options.now ? waiverDateIssues(parsed.data.waivers, options.now) : [];
    const errors = dated
      .filter((issue) => issue.problem === "too-far" || options.endedWaivers !== "allow")
      .map((issue) => ({ path: `waivers[${issue.index}].until`, message: issue.message }));
    return errors.length === 0 ? { ok: true, policy: parsed.data } : { ok: false, errors };
  }

  const schemaIssues = (parsed.error?.issues ?? [])
    .map((issue) => ({ path: formatPath(issue.path), message: issue.message }))
    // A reference that did not expand is already reported; the schema's view of the unexpanded text adds nothing.
    .filter((issue) => ![...expansion.failedPaths].some((failed) => isWithin(issue.path, failed)));
  const unique = new Map<string, PolicyIssue>();
  for (const issue of [...expansion.issues, ...schemaIssues]) unique.set(`${issue.path}\u0000${issue.message}`, issue);
  return { ok: false, errors: [...unique.values()] };
}
