// The RowKey encoding of the Azure state store, checked as properties over arbitrary keys.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decodeRowKey, encodeRowKey, prefixUpperBound } from "#shared/adapters/state/azure/row-key.js";
import { auditRowKey } from "#shared/adapters/state/azure/audit-row-key.js";

// Keys biased towards the characters that need escaping, plus arbitrary (well-formed) unicode.
const keyChars = fc.oneof(
  fc.constantFrom("/", "\\", "#", "?", "%", "\t", "\u0000", "\u007f", "\u0085", "\u009f", "0", "2", "F", "a", "~", "\uffff"),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }),
);
const key = fc.array(keyChars, { maxLength: 12 }).map((parts) => parts.join(""));
// eslint-disable-next-line no-control-regex -- control characters are among what Azure Tables forbids
const forbiddenInRowKey = /[/\\#?\u0000-\u001f\u007f-\u009f]/u;

describe("RowKey encoding", () => {
  it("round-trips every key and never contains a character Azure Tables forbids", () => {
    fc.assert(
      fc.property(key, (k) => {
        const encoded = encodeRowKey(k);
        expect(decodeRowKey(encoded)).toBe(k);
        expect(encoded).not.toMatch(forbiddenInRowKey);
      }),
      { numRuns: 2000 },
    );
  });

  it("turns a prefix test into a RowKey range test: every match is in range, and with an upper end only matches", () => {
    fc.assert(
      fc.property(key, key, (k, prefix) => {
        const encodedKey = encodeRowKey(k);
        const lower = encodeRowKey(prefix);
        const upper = prefixUpperBound(lower);
        const inRange = encodedKey >= lower && (upper === null || encodedKey < upper);
        if (k.startsWith(prefix)) expect(inRange).toBe(true);
        if (upper !== null) {
          expect(inRange).toBe(k.startsWith(prefix));
          // The bound goes into an OData filter in a URL: it must be well-formed UTF-16.
          expect(() => encodeURIComponent(upper)).not.toThrow();
        }
      }),
      { numRuns: 5000 },
    );
  });

  it("bounds ordinary prefixes above, including ones ending in U+FFFF or an astral character", () => {
    expect(prefixUpperBound("abc")).toBe("abd");
    expect(prefixUpperBound("ab\uffff\uffff")).toBe("ac");
    expect(prefixUpperBound("x\u{1F511}")).toBe("x\u{1F512}");
    expect(prefixUpperBound("x\u{1FFFF}")).toBe("x\u{20000}");
    expect(prefixUpperBound("\uffff")).toBeNull();
    expect(prefixUpperBound("\ud7ff")).toBeNull();
    expect(prefixUpperBound("")).toBeNull();
  });

  it("keeps literal escape-looking text apart from the characters it looks like", () => {
    expect(encodeRowKey("%2F")).not.toBe(encodeRowKey("/"));
    expect(decodeRowKey(encodeRowKey("%2F/"))).toBe("%2F/");
  });
});

describe("audit RowKey", () => {
  it("sorts newer entries first, and later appends first within one millisecond", () => {
    const t = Date.parse("2026-03-01T12:00:00.000Z");
    const older = auditRowKey(t - 1);
    const first = auditRowKey(t);
    const second = auditRowKey(t);
    const newer = auditRowKey(t + 86_400_000);
    expect([older, first, second, newer].sort()).toEqual([newer, second, first, older]);
    expect(auditRowKey(Date.parse("1969-12-31T23:59:59.999Z")) > auditRowKey(0)).toBe(true);
  });
});
