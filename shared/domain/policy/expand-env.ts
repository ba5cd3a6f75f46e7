import { formatPath, type PathSegment, type PolicyIssue } from "./issue.js";
import { isSecretField, isSecretSetting } from "./secret-settings.js";

export interface Expansion {
  value: unknown;
  issues: PolicyIssue[];
  /** Paths (formatted) whose string could not be expanded: schema complaints about them would only repeat the point. */
  failedPaths: Set<string>;
}

// `$${` stays a literal `${`; `${NAME}` is a reference; any other `${` is a mistake worth reporting.
const reference = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$\{/g;

function expandString(text: string, path: PathSegment[], env: Record<string, string | undefined>, expansion: Expansion): string {
  const problems: string[] = [];
  const where = formatPath(path);
  const expanded = text.replace(reference, (match: string, name: string | undefined) => {
    if (match === "$${") return "${";
    if (name === undefined) {
      problems.push("malformed environment reference: write ${NAME} (letters, digits, _), or $${ for a literal ${");
      return match;
    }
    if (isSecretSetting(name) && !isSecretField(where)) {
      problems.push(`\${${name}} is a secret setting: it may be expanded only into a webhook url or signingSecret (or selfWatch.heartbeatUrl), never into a field that plans, reports and alerts show`);
      return match;
    }
    const value = env[name];
    if (value === undefined) {
      problems.push(`environment variable ${name} is not set`);
      return match;
    }
    return value;
  });
  if (problems.length === 0) return expanded;
  expansion.failedPaths.add(where);
  for (const message of new Set(problems)) expansion.issues.push({ path: where, message });
  return text;
}

function walk(node: unknown, path: PathSegment[], env: Record<string, string | undefined>, expansion: Expansion): unknown {
  if (typeof node === "string") return expandString(node, path, env, expansion);
  if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index], env, expansion));
  if (node !== null && typeof node === "object") {
    // fromEntries defines own properties, so a "__proto__" key stays a key (and is then refused as unknown).
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, walk(value, [...path, key], env, expansion)]));
  }
  return node;
}

/**
 * Replaces `${NAME}` in every string value (not in keys) with `env.NAME`. An unset variable is an issue at that
 * path, and so is a secret setting (isSecretSetting) outside a secret field: the text is then left unexpanded.
 */
export function expandEnvironment(document: unknown, env: Record<string, string | undefined>): Expansion {
  const expansion: Expansion = { value: undefined, issues: [], failedPaths: new Set() };
  expansion.value = walk(document, [], env, expansion);
  return expansion;
}
