import { z } from "zod";
import { alertKinds, type Alert } from "../../domain/alert.js";
import type { Digest } from "../../domain/alerts/digest.js";
import type { LedgerEntry } from "../../domain/alerts/ledger.js";
import type { StateTable } from "../../ports/state-store.js";
import type { OutboxRecord } from "./outbox-record.js";

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), "expected an ISO date-time");

const alertSourceSchema = z.object({
  circleci: z.object({ context: z.string().optional(), project: z.string().optional(), variable: z.string() }).optional(),
  entra: z
    .object({
      appId: z.string(),
      appName: z.string().optional(),
      keyId: z.string().optional(),
      credentialType: z.enum(["password", "certificate"]).optional(),
    })
    .optional(),
  keyVault: z.object({ secretName: z.string() }).optional(),
});

const alertSchema = z.object({
  id: z.string().min(1),
  kind: z.enum(alertKinds),
  severity: z.enum(["critical", "warning", "info"]),
  credential: z.string().min(1),
  title: z.string(),
  source: alertSourceSchema,
  daysLeft: z.number().optional(),
  ageDays: z.number().optional(),
  expiresAt: z.string().optional(),
  threshold: z.number().optional(),
  nextStep: z.string(),
  raisedAt: isoDate,
}) satisfies z.ZodType<Alert>;

export const ledgerEntrySchema = z.object({
  credential: z.string().min(1),
  bound: z.boolean(),
  source: alertSourceSchema,
  episode: z.string().min(1),
  openedAt: isoDate,
  alerted: z.array(z.string()),
  expiry: z.object({ expiresAt: z.string(), lowestThreshold: z.number().optional(), expired: z.boolean() }).optional(),
  longLived: z.object({ lastChangedAt: z.string() }).optional(),
  notFound: z.object({ since: z.string() }).optional(),
  exposure: z.object({ marker: z.string() }).optional(),
  permission: z.object({ marker: z.string() }).optional(),
  drift: z.object({ marker: z.string() }).optional(),
  tenantPolicyBlock: z.object({ marker: z.string() }).optional(),
}) satisfies z.ZodType<LedgerEntry>;

const severitySchema = z.enum(["critical", "warning", "info"]);

const digestSchema = z.object({
  id: z.string().min(1),
  kind: z.enum(["baseline", "digest", "batch"]),
  title: z.string(),
  counts: z.array(z.object({ kind: z.string(), severity: severitySchema, count: z.number().int().min(0) })),
  total: z.number().int().min(0),
  alerts: z.array(alertSchema),
  seeAll: z.object({ command: z.string(), reportUrl: z.string().optional() }),
  baseline: z.object({ credentials: z.number(), expired: z.number(), expiring: z.number(), longLived: z.number() }).optional(),
  raisedAt: isoDate,
}) satisfies z.ZodType<Digest>;

const outboxDeliverySchema = z.object({
  sink: z.string().min(1),
  state: z.enum(["pending", "delivered"]),
  attempts: z.number().int().min(0),
  createdAt: isoDate,
  nextAttemptAt: isoDate,
  claimedUntil: isoDate.optional(),
  lastAttemptAt: isoDate.optional(),
  lastStatus: z.number().int().optional(),
  lastError: z.string().optional(),
  deliveredAt: isoDate.optional(),
  deliveredIn: z.string().optional(),
});

// The message first, so a broken record's error names it first.
const alertRecordSchema = z.object({ alert: alertSchema, digest: z.undefined().optional() }).extend(outboxDeliverySchema.shape);
const digestRecordSchema = z.object({ digest: digestSchema, alert: z.undefined().optional() }).extend(outboxDeliverySchema.shape);

/** An outbox record is an alert's or a digest's; which one its `digest` key says, so errors name the right fields. */
export function outboxRecordSchemaFor(value: unknown): z.ZodType<OutboxRecord> {
  return value !== null && typeof value === "object" && "digest" in value ? digestRecordSchema : alertRecordSchema;
}

export class StoredAlertStateError extends Error {
  constructor(table: StateTable, key: string, problems: string) {
    super(`state ${table}/${JSON.stringify(key)} is not valid: ${problems}`);
    this.name = "StoredAlertStateError";
  }
}

/** Parses a stored value; a hand-edited or foreign record fails naming its table, key and fields. */
export function parseStored<T>(schema: z.ZodType<T>, table: StateTable, key: string, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(value)"}: ${issue.message}`).join("; ");
  throw new StoredAlertStateError(table, key, problems);
}
