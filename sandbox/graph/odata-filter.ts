/**
 * The small part of OData `$filter` that Graph supports on the properties the watchdog touches:
 * `prop eq 'v'`, `prop ne 'v'`, `startswith(prop,'v')`, `coll/any(x:x eq 'v')`, and DateTimeOffset comparisons
 * `prop ge|le|gt|lt 2026-01-01T00:00:00Z` (unquoted, as the sign-in log's `createdDateTime` takes them: signIn
 * resource, "Supports $filter (eq, le, and ge)"), combined with `and`, `or`, `not` and parentheses. String
 * comparisons ignore case, as directory queries do.
 */
export type FilterPredicate = (item: Record<string, unknown>) => boolean;

export class UnsupportedFilterError extends Error {}

type Token = { kind: "word"; text: string } | { kind: "string"; text: string } | { kind: "punct"; text: string } | { kind: "datetime"; text: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "'") {
      let text = "";
      i++;
      for (;;) {
        if (i >= source.length) throw new UnsupportedFilterError("unterminated string literal");
        if (source[i] === "'") {
          if (source[i + 1] === "'") {
            text += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += source[i];
        i++;
      }
      tokens.push({ kind: "string", text });
    } else if (/\d/.test(ch)) {
      const match = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})/.exec(source.slice(i));
      if (!match) throw new UnsupportedFilterError(`unexpected character '${ch}'`);
      tokens.push({ kind: "datetime", text: match[0] });
      i += match[0].length;
    } else if ("(),:".includes(ch)) {
      tokens.push({ kind: "punct", text: ch });
      i++;
    } else {
      const match = /^[A-Za-z_$][\w/.$]*/.exec(source.slice(i));
      if (!match) throw new UnsupportedFilterError(`unexpected character '${ch}'`);
      tokens.push({ kind: "word", text: match[0] });
      i += match[0].length;
    }
  }
  return tokens;
}

const lower = (value: unknown) => (typeof value === "string" ? value.toLowerCase() : value);

class Parser {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): FilterPredicate {
    const predicate = this.or();
    if (this.at < this.tokens.length) throw new UnsupportedFilterError(`unexpected '${this.tokens[this.at]!.text}'`);
    return predicate;
  }

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }

  private next(): Token {
    const token = this.tokens[this.at++];
    if (!token) throw new UnsupportedFilterError("unexpected end of expression");
    return token;
  }

  private expect(kind: Token["kind"], text?: string): Token {
    const token = this.next();
    if (token.kind !== kind || (text !== undefined && token.text.toLowerCase() !== text)) {
      throw new UnsupportedFilterError(`expected ${text ?? kind}, found '${token.text}'`);
    }
    return token;
  }

  private isWord(text: string): boolean {
    const token = this.peek();
    return token?.kind === "word" && token.text.toLowerCase() === text;
  }

  private or(): FilterPredicate {
    let left = this.and();
    while (this.isWord("or")) {
      this.next();
      const l = left;
      const r = this.and();
      left = (item) => l(item) || r(item);
    }
    return left;
  }

  private and(): FilterPredicate {
    let left = this.unary();
    while (this.isWord("and")) {
      this.next();
      const l = left;
      const r = this.unary();
      left = (item) => l(item) && r(item);
    }
    return left;
  }

  private unary(): FilterPredicate {
    if (this.isWord("not")) {
      this.next();
      const inner = this.unary();
      return (item) => !inner(item);
    }
    const token = this.peek();
    if (token?.kind === "punct" && token.text === "(") {
      this.next();
      const inner = this.or();
      this.expect("punct", ")");
      return inner;
    }
    return this.primary();
  }

  private primary(): FilterPredicate {
    const head = this.expect("word").text;
    if (head.toLowerCase() === "startswith") {
      this.expect("punct", "(");
      const property = this.expect("word").text;
      this.expect("punct", ",");
      const prefix = this.expect("string").text.toLowerCase();
      this.expect("punct", ")");
      return (item) => {
        const value = item[property];
        return typeof value === "string" && value.toLowerCase().startsWith(prefix);
      };
    }
    if (head.toLowerCase().endsWith("/any")) {
      const collection = head.slice(0, -"/any".length);
      this.expect("punct", "(");
      const variable = this.expect("word").text;
      this.expect("punct", ":");
      const subject = this.expect("word").text;
      if (subject !== variable) throw new UnsupportedFilterError(`lambda compares '${subject}', expected '${variable}'`);
      this.expect("word", "eq");
      const wanted = lower(this.expect("string").text);
      this.expect("punct", ")");
      return (item) => {
        const values = item[collection];
        return Array.isArray(values) && values.some((v) => lower(v) === wanted);
      };
    }
    const operator = this.expect("word").text.toLowerCase();
    if (["ge", "le", "gt", "lt"].includes(operator)) {
      const bound = Date.parse(this.expect("datetime").text);
      return (item) => {
        const at = typeof item[head] === "string" ? Date.parse(item[head]) : Number.NaN;
        if (Number.isNaN(at)) return false;
        return operator === "ge" ? at >= bound : operator === "le" ? at <= bound : operator === "gt" ? at > bound : at < bound;
      };
    }
    if (operator !== "eq" && operator !== "ne") throw new UnsupportedFilterError(`operator '${operator}' is not supported`);
    const literal = this.next();
    const wanted = literal.kind === "string" ? lower(literal.text) : literal.text === "null" ? null : undefined;
    if (wanted === undefined) throw new UnsupportedFilterError(`unsupported literal '${literal.text}'`);
    return (item) => {
      const equal = lower(item[head] ?? null) === wanted;
      return operator === "eq" ? equal : !equal;
    };
  }
}

/** Throws UnsupportedFilterError for anything outside the supported subset. */
export function parseFilter(source: string): FilterPredicate {
  return new Parser(tokenize(source)).parse();
}
