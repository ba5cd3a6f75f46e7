import { LineCounter, parseDocument, type ErrorCode } from "yaml";
import type { PolicyIssue } from "./issue.js";

export type DocumentResult = { ok: true; value: unknown } | { ok: false; issues: PolicyIssue[] };

/**
 * What each YAML error means, in our words. The parser's own messages can quote the offending token,
 * which may be part of a secret, so they are never passed on.
 */
const yamlProblems: Record<ErrorCode, string> = {
  ALIAS_PROPS: "an alias cannot have an anchor or a tag",
  BAD_ALIAS: "an alias refers to an anchor that does not exist",
  BAD_COLLECTION_TYPE: "a collection has the wrong type for its tag",
  BAD_DIRECTIVE: "unknown or malformed directive",
  BAD_DQ_ESCAPE: "invalid escape sequence in a double-quoted string",
  BAD_INDENT: "bad indentation",
  BAD_PROP_ORDER: "anchors and tags must come before the value",
  BAD_SCALAR_START: "a plain value cannot start with this character (quote it)",
  BLOCK_AS_IMPLICIT_KEY: "a block collection cannot be a mapping key",
  BLOCK_IN_FLOW: "block collections are not allowed inside [ ] or { }",
  DUPLICATE_KEY: "duplicate key in a mapping",
  IMPOSSIBLE: "unparsable YAML",
  KEY_OVER_1024_CHARS: "a mapping key is longer than 1024 characters",
  MISSING_CHAR: "a closing quote or bracket is missing",
  MULTILINE_IMPLICIT_KEY: "a mapping key cannot span lines (is a colon or indentation missing?)",
  MULTIPLE_ANCHORS: "a value has more than one anchor",
  MULTIPLE_DOCS: "the file holds more than one YAML document",
  MULTIPLE_TAGS: "a value has more than one tag",
  NON_STRING_KEY: "mapping keys must be strings",
  RESOURCE_EXHAUSTION: "the document expands to too much data (aliases)",
  TAB_AS_INDENT: "tabs cannot indent YAML (use spaces)",
  TAG_RESOLVE_FAILED: "unknown tag",
  UNEXPECTED_TOKEN: "unexpected token (is a colon, dash or quote misplaced?)",
};

function readYaml(text: string): DocumentResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      issues: document.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return { path: "(root)", message: `YAML syntax error: ${yamlProblems[error.code] ?? "invalid YAML"}`, line, column: col };
      }),
    };
  }
  try {
    return { ok: true, value: document.toJS({ maxAliasCount: 100 }) };
  } catch {
    // toJS throws on an alias it cannot resolve, or one that expands past maxAliasCount ("billion laughs").
    return { ok: false, issues: [{ path: "(root)", message: "YAML syntax error: an alias refers to an unknown anchor or expands to too much data" }] };
  }
}

/** Line and column of a JSON.parse failure, from the engine's message (its wording differs across Node versions). */
function jsonErrorPosition(message: string, text: string): { line: number; column: number } | undefined {
  const lineColumn = /line (\d+) column (\d+)/.exec(message);
  if (lineColumn) return { line: Number(lineColumn[1]), column: Number(lineColumn[2]) };
  const position = /position (\d+)/.exec(message);
  if (!position) return undefined;
  const before = text.slice(0, Number(position[1])).split("\n");
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

function readJson(text: string): DocumentResult {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    // Node's message quotes the surrounding text, which may hold a secret: keep only the position.
    const where = jsonErrorPosition(error instanceof Error ? error.message : "", text);
    const problem = text.trim() === "" ? "the file is empty" : "invalid JSON";
    return { ok: false, issues: [{ path: "(root)", message: `JSON syntax error: ${problem}`, ...where }] };
  }
}

/** `.json` files are JSON; everything else is YAML (of which JSON is a subset, but JSON errors read better). */
export function readPolicyDocument(text: string, filename: string | undefined): DocumentResult {
  return filename !== undefined && /\.json$/i.test(filename) ? readJson(text) : readYaml(text);
}
