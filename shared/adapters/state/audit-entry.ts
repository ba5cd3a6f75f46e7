/**
 * The audit entry as stored by both adapters, checked with zod when read back: storage is outside input,
 * and a hand-edited or foreign record must fail with a message that says where, not surface as a bad type.
 */
import { z } from "zod";
import type { AuditEntry } from "../../ports/state-store.js";

export const auditEntrySchema = z.strictObject({
  at: z.string().refine((s) => !Number.isNaN(Date.parse(s)), "expected an ISO date-time"),
  event: z.string().min(1),
  actor: z.string().min(1),
  subject: z.string(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});

export class AuditEntryError extends Error {
  constructor(where: string, problems: string) {
    super(`audit entry ${where}: ${problems}`);
    this.name = "AuditEntryError";
  }
}

/** Parses an entry; `where` names its place (file and line, or table and row) for the error message. */
export function parseAuditEntry(raw: unknown, where: string): AuditEntry {
  const parsed = auditEntrySchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(entry)"}: ${issue.message}`).join("; ");
    throw new AuditEntryError(where, problems);
  }
  return parsed.data;
}

/** Milliseconds since the epoch of an entry's `at`, for newest-first ordering. */
export function auditTime(entry: AuditEntry): number {
  return Date.parse(entry.at);
}
