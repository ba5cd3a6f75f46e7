/**
 * State keys become RowKeys. Azure Tables forbids `/ \ # ?` and control characters in keys, so those
 * (and the escape character `%` itself) are written as `%XX`. Each character maps to a fixed sequence and
 * every escape is exactly three characters long, so "key starts with prefix" holds exactly when
 * "encoded key starts with encoded prefix": a prefix query becomes a RowKey range.
 */

// eslint-disable-next-line no-control-regex -- control characters are among what Azure Tables forbids
const mustEscape = /[%/\\#?\u0000-\u001f\u007f-\u009f]/gu;

export function encodeRowKey(key: string): string {
  return key.replace(mustEscape, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

export function decodeRowKey(rowKey: string): string {
  return rowKey.replace(/%([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * The exclusive upper end of the RowKey range holding every key that starts with `encodedPrefix`: the
 * prefix without its trailing U+FFFF characters, its last code point incremented (code points, so that
 * the bound stays well-formed UTF-16 and can go into a URL). Null when no such bound exists (nothing but
 * U+FFFF, or the next code point would be a surrogate); the range then has no upper end.
 */
export function prefixUpperBound(encodedPrefix: string): string | null {
  const stem = encodedPrefix.replace(/\uffff+$/u, "");
  const last = [...stem].pop();
  if (last === undefined) return null;
  const next = (last.codePointAt(0) ?? 0) + 1;
  if (next >= 0xd800 && next <= 0xdfff) return null;
  return stem.slice(0, stem.length - last.length) + String.fromCodePoint(next);
}
