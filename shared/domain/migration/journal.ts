import { z } from "zod";
import { parseJournalRecord, type ParsedJournal } from "../parse-journal.js";
import { ciTargetSchema } from "../rotation/journal.js";

/**
 * The migration journal: one record per credential (state table `migrations`, key = credential name) that
 * says how far the move from the client secret to OIDC federation got. Ids, names and times only.
 *
 * States, each the last step known to have completed:
 *   planned     — the app, the CircleCI target and the secret's password(s) are recorded
 *   federated   — the FICs exist and AZURE_CLIENT_ID / AZURE_TENANT_ID are set where the secret lives
 *   waiting     — the pipeline change is published; the secret stays until the evidence says it is unused
 *   retired     — the secret variable and the password are gone (terminal for the secret; FICs are still kept in line with the policy)
 *   rolled-back — the watchdog's FICs are gone and the credential is on a client secret again (terminal)
 */
export const migrationStates = ["planned", "federated", "waiting", "retired", "rolled-back"] as const;
export type MigrationState = (typeof migrationStates)[number];

export const migrationSteps = ["plan", "federate", "configure", "switch", "check", "retire", "rollback"] as const;
export type MigrationStep = (typeof migrationSteps)[number];

/** Conditions only a person can clear; the migration stops there and says why. */
export const migrationBlocks = ["fic-limit", "fic-conflict", "no-evidence", "unknown-secret"] as const;
export type MigrationBlock = (typeof migrationBlocks)[number];

export const retireBases = ["evidence", "confirmed", "no-password"] as const;
export type RetireBasis = (typeof retireBases)[number];

const detailValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const migrationHistoryEntrySchema = z.object({
  at: z.string(),
  migrationId: z.string(),
  step: z.enum(migrationSteps),
  outcome: z.enum(["intent", "done", "failed", "blocked"]),
  details: z.record(z.string(), detailValue).optional(),
});
export type MigrationHistoryEntry = z.infer<typeof migrationHistoryEntrySchema>;

const ficRef = z.object({ id: z.string(), name: z.string(), subject: z.string() });

export const migrationJournalSchema = z.object({
  schema: z.literal(1),
  credential: z.string(),
  migrationId: z.string(),
  actor: z.string(),
  state: z.enum(migrationStates),
  /** A step whose intent is recorded but whose outcome is not: the next run does it again (every step is idempotent). */
  pending: z.object({ step: z.enum(migrationSteps), since: z.string() }).nullable(),
  lastFailure: z.object({ step: z.enum(migrationSteps), message: z.string(), at: z.string() }).nullable(),
  blocked: z.object({ kind: z.enum(migrationBlocks), reason: z.string(), since: z.string() }).nullable(),
  startedAt: z.string(),
  updatedAt: z.string(),
  app: z.object({ appId: z.string(), objectId: z.string(), displayName: z.string() }),
  ci: ciTargetSchema,
  /** The policy's oidc block as last federated (the pipeline change is derived from it). */
  oidc: z.object({
    orgId: z.string(),
    tenantId: z.string(),
    issuer: z.string(),
    audience: z.string(),
    branches: z.object({ vcsOrigin: z.string(), refs: z.array(z.string()) }).nullable(),
    retireAfterQuietDays: z.number(),
    /** oidc.mode: broker — `issuer` is then BROKER_ISSUER_URL, `audience` Entra's; jobs ask CircleCI for `audience` here. */
    broker: z.object({ role: z.string(), audience: z.string() }).nullish(),
  }),
  federation: z.object({
    /** The watchdog's FICs on the app after the last sync. */
    fics: z.array(ficRef),
    /** Subjects another FIC (not the watchdog's) already federates. */
    coveredByOthers: z.array(z.object({ name: z.string(), subject: z.string() })),
    syncedAt: z.string().nullable(),
  }),
  idsSetAt: z.string().nullable(),
  /**
   * Projects whose CircleCI OIDC custom `audience` claim the watchdog set (oidc.injectedAudience: project), with
   * the value each had before (null: none), journaled before the change so that a rollback restores it.
   */
  injectedAudience: z.object({ projects: z.array(z.object({ projectId: z.string(), previous: z.array(z.string()).nullable(), setAt: z.string() })) }).nullish(),
  waitingSince: z.string().nullable(),
  /** The password(s) the CircleCI variable may hold, as last chosen (see chooseRetirement). */
  secret: z.object({ keyIds: z.array(z.string()), note: z.string().optional() }),
  evidence: z
    .object({
      checkedAt: z.string(),
      verdict: z.enum(["quiet", "waiting", "unavailable", "no-password", "unknown-secret"]),
      lastSignInDateTime: z.string().nullable(),
      retireEarliestAt: z.string().optional(),
      reason: z.string().optional(),
    })
    .nullable(),
  /** Written with the retire intent, so that a run resumed after a crash finishes on the same grounds. */
  retireApproval: z.object({ basis: z.enum(retireBases), by: z.string(), at: z.string(), keyIds: z.array(z.string()) }).nullable(),
  retiredAt: z.string().nullable(),
  retired: z.object({ variableRemoved: z.boolean(), removedKeyIds: z.array(z.string()) }).nullable(),
  rollback: z
    .object({
      requestedBy: z.string(),
      at: z.string(),
      /** The rotation that gave the credential a client secret again, when one was needed. */
      rotationId: z.string().nullable(),
      removedFics: z.array(z.string()),
    })
    .nullable(),
  rolledBackAt: z.string().nullable(),
  history: z.array(migrationHistoryEntrySchema),
});
export type MigrationJournal = z.infer<typeof migrationJournalSchema>;

export const migrationHistoryLimit = 40;

export function parseMigrationJournal(credential: string, value: unknown): ParsedJournal<MigrationJournal> {
  return parseJournalRecord(migrationJournalSchema, `migration record of ${credential}`, value);
}
