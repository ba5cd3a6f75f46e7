/**
 * Readers for refinements that run even when parts of the input failed (zod's `when`): there the value
 * may still be anything the file held, so it is read as unknown.
 */

/** Makes a refinement run also after other fields failed, so every problem shows at once. */
export const evenWithOtherIssues = { when: () => true } as const;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function field(value: unknown, key: string): unknown {
  return isRecord(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}

export function entries(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
