import { z } from "zod";
import { alertKinds } from "../domain/alert.js";
import { cycleHealthSchema } from "../domain/self-watch/cycle-health-schema.js";
import { rotationStates, rotationSteps, stepOutcomes } from "../domain/rotation/index.js";
import { alertSourceSchema, migrationStatusSchema, planSchema } from "../domain/plan/index.js";
import { migrationBlocks, migrationStates, migrationSteps } from "../domain/migration/index.js";
import type { CycleReport } from "../engine/cycle.js";

/**
 * What `watchdog run --json` prints: published as schemas/cycle-report.schema.json (scripts/write-schemas.ts).
 * Closed objects, and a compile-time check against the CycleReport type, so the two cannot drift.
 */

const timestamp = z.iso.datetime({ offset: true });
const count = z.int().min(0);

export const alertSchema = z.strictObject({
  id: z.string().describe("Stable for one alert: the Standard Webhooks webhook-id."),
  kind: z.enum(alertKinds),
  severity: z.enum(["critical", "warning", "info"]),
  credential: z.string(),
  title: z.string(),
  source: alertSourceSchema,
  daysLeft: z.int().optional(),
  ageDays: z.int().optional(),
  expiresAt: timestamp.optional(),
  threshold: z.int().optional(),
  nextStep: z.string(),
  raisedAt: timestamp,
});

const apiCalls = z.strictObject({ graph: count, keyvault: count, circleci: count, entra: count });

const rotationOutcomeSchema = z.union([
  z.strictObject({
    credential: z.string(),
    busy: z.literal(false).optional(),
    rotationId: z.string().optional(),
    state: z.enum([...rotationStates, "none"]),
    steps: z.array(
      z.strictObject({ step: z.enum(rotationSteps), outcome: z.enum(stepOutcomes), at: timestamp, detail: z.string().optional().describe("Ids or a failure message; never a value.") }),
    ),
    apiCalls: count,
    apiCallsBySystem: apiCalls,
    waitingUntil: timestamp.optional(),
    note: z.string().optional(),
    blocked: z
      .strictObject({ reason: z.string(), wayOut: z.string(), retryAt: timestamp.optional() })
      .optional()
      .describe("The tenant's app management policy forbids the new secret: nothing was minted."),
    failure: z.strictObject({ step: z.enum([...rotationSteps, "lease", "journal"]), message: z.string() }).optional(),
  }),
  z.strictObject({
    credential: z.string(),
    busy: z.literal(true),
    heldBy: z.string(),
    until: timestamp.optional(),
    message: z.string(),
  }),
]);

const migrationOutcomeSchema = z.union([
  z.strictObject({
    credential: z.string(),
    busy: z.literal(false).optional(),
    migrationId: z.string().optional(),
    state: z.enum([...migrationStates, "none"]),
    status: migrationStatusSchema,
    steps: z.array(
      z.strictObject({
        step: z.enum(migrationSteps),
        outcome: z.enum(["intent", "done", "failed", "blocked", "skipped"]),
        at: timestamp,
        detail: z.string().optional(),
      }),
    ),
    apiCalls: count,
    apiCallsBySystem: z.strictObject({ graph: count, circleci: count, keyvault: count }),
    waitingUntil: timestamp.optional(),
    note: z.string().optional(),
    blocked: z.strictObject({ kind: z.enum(migrationBlocks), reason: z.string() }).optional(),
    failure: z.strictObject({ step: z.enum([...migrationSteps, "lease", "journal"]), message: z.string() }).optional(),
    alerts: z.array(alertSchema),
  }),
  z.strictObject({ credential: z.string(), busy: z.literal(true), heldBy: z.string(), until: timestamp, message: z.string() }),
]);

export const cycleReportSchema = z
  .strictObject({
    startedAt: timestamp,
    finishedAt: timestamp,
    dryRun: z.boolean(),
    actor: z.string().describe('Who ran the cycle: "timer", "cli".'),
    plan: planSchema,
    rotations: z.array(rotationOutcomeSchema),
    migrations: z.array(migrationOutcomeSchema),
    enqueued: z.array(z.string()).describe("Credentials handed to the rotation-jobs queue instead of rotated inline."),
    alerts: z.strictObject({
      raised: z.array(alertSchema),
      sent: count,
      failed: count,
      pending: count,
      baseline: z.boolean().describe("The first cycle against the organization: chat sinks got one baseline announcement instead of the alerts one by one."),
      deliveries: z
        .array(
          z.strictObject({
            alertId: z.string().describe("The alert's id, or the digest's."),
            sink: z.string(),
            title: z.string(),
            digest: z
              .strictObject({ kind: z.enum(["baseline", "digest", "batch"]), alerts: count })
              .optional()
              .describe("The message was a digest standing for this many alerts."),
          }),
        )
        .describe("Messages that reached a sink, one per message."),
    }),
    failures: z.array(z.strictObject({ step: z.string(), message: z.string() })).describe("Non-empty: the cycle failed part-way (exit code 1); the next cycle resumes."),
    health: cycleHealthSchema.optional().describe("How this and the previous cycles went (not on a dry run)."),
    heartbeat: z
      .strictObject({ sent: z.boolean(), ok: z.boolean().optional(), status: z.number().int().optional(), note: z.string().optional() })
      .optional()
      .describe("The selfWatch.heartbeatUrl ping after a successful cycle; never the URL."),
    brokerCounters: z
      .strictObject({ deleted: count, kept: count, unreadable: count })
      .optional()
      .describe("The OIDC broker's shared counters (state table broker): deleted once no exchange can use them, kept, or unreadable (kept)."),
  })
  .meta({ title: "secret-watchdog cycle report", description: "The output of `watchdog run --json`." });

type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const schemaMatchesReport: Same<z.output<typeof cycleReportSchema>, CycleReport> = true;
void schemaMatchesReport;
