/**
 * Whether a CircleCI context expression restriction keeps SSH reruns out: it must be a conjunction one of whose
 * top-level terms is `not job.ssh.enabled` (CircleCI exposes `job.ssh.enabled` to context expressions for this:
 * https://circleci.com/docs/reference/expressions-reference/, "Context expression restrictions"). A rerun with
 * SSH otherwise lets whoever reruns the job read every variable of the context from a shell.
 *
 * Read conservatively: only a term at the top level counts (`a or (b and not job.ssh.enabled)` does not keep
 * the `a` side out), and anything the scanner cannot follow (unbalanced quotes or parentheses) is not a guard.
 */
export function guardsSshReruns(expression: string): boolean {
  const disjuncts = splitTopLevel(stripOuterParens(expression.trim()), ["or", "||"]);
  if (disjuncts === undefined || disjuncts.length !== 1) return false;
  const conjuncts = splitTopLevel(disjuncts[0]!, ["and", "&&"]);
  return conjuncts !== undefined && conjuncts.some((term) => isNoSshTerm(term));
}

/** The expression with a guard added: what to put in place of a restriction that lacks one. */
export function withSshGuard(expression: string): string {
  return `(${expression.trim()}) and not job.ssh.enabled`;
}

const noSshForms = [
  /^not\s*\(?\s*job\.ssh\.enabled\s*\)?$/,
  /^!\s*\(?\s*job\.ssh\.enabled\s*\)?$/,
  /^job\.ssh\.enabled\s*==\s*false$/,
  /^false\s*==\s*job\.ssh\.enabled$/,
];

function isNoSshTerm(term: string): boolean {
  const flat = stripOuterParens(term.trim()).replace(/\s+/g, " ");
  return noSshForms.some((form) => form.test(flat));
}

/** Removes parentheses that wrap the whole expression, as often as they do. */
function stripOuterParens(text: string): string {
  let current = text;
  while (current.startsWith("(") && current.endsWith(")") && closingOf(current, 0) === current.length - 1) {
    current = current.slice(1, -1).trim();
  }
  return current;
}

/** Index of the parenthesis that closes the one at `open`, minding string literals; -1 when unbalanced. */
function closingOf(text: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "(") depth++;
    else if (ch === ")" && --depth === 0) return i;
  }
  return -1;
}

/**
 * Splits on an operator at parenthesis depth 0 outside string literals (word operators only as whole words);
 * undefined when quotes or parentheses do not balance.
 */
function splitTopLevel(text: string, operators: readonly string[]): string[] | undefined {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "(") depth++;
    else if (ch === ")") {
      if (--depth < 0) return undefined;
    } else if (depth === 0) {
      const operator = operators.find((op) => text.startsWith(op, i) && isWholeOperator(text, i, op));
      if (operator) {
        parts.push(text.slice(start, i).trim());
        i += operator.length - 1;
        start = i + 1;
      }
    }
  }
  if (quote || depth !== 0) return undefined;
  parts.push(text.slice(start).trim());
  return parts;
}

function isWholeOperator(text: string, at: number, operator: string): boolean {
  if (!/^[a-z]+$/.test(operator)) return true;
  const before = at === 0 ? " " : text[at - 1]!;
  const after = text[at + operator.length] ?? " ";
  return !/[\w.]/.test(before) && !/[\w.]/.test(after);
}
