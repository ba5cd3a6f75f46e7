/**
 * An OData string literal for `$filter` ('' escapes a quote), the whole expression percent-encoded: the SDK
 * puts `.filter()` text into the URL as it is, so a '#', '&' or '+' in a value would otherwise cut the query.
 */
export function filterEq(property: string, value: string): string {
  return encodeURIComponent(`${property} eq '${value.replaceAll("'", "''")}'`);
}

/** One path segment (object ids, credential ids). */
export const segment = (value: string) => encodeURIComponent(value);
