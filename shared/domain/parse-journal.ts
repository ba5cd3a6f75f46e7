import type { z } from "zod";

/** A stored journal record read back: the journal, or why it cannot be used (for the operator, so it names the fields). */
export type ParsedJournal<J> = { ok: true; journal: J } | { ok: false; message: string };

/**
 * Parses a stored journal record with its schema. `label` names the record ("journal record of X") so that
 * the message points at the one credential whose state needs a look.
 */
export function parseJournalRecord<S extends z.ZodType>(schema: S, label: string, value: unknown): ParsedJournal<z.infer<S>> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, journal: parsed.data };
  const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(record)"}: ${i.message}`).join("; ");
  return { ok: false, message: `${label} is unreadable: ${issues}` };
}
