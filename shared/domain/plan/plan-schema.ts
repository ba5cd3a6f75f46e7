import { z } from "zod";
import type { Plan } from "../finding.js";
import { migrationBlocks, migrationStates } from "../migration/journal.js";

/**
 * The `Plan` as data: what `watchdog plan --json` and `GET /api/plan` print. Published as
 * schemas/plan.schema.json (scripts/write-schemas.ts). Objects are closed, so a field added to `Plan` without
 * being added here fails the schema test instead of going unpublished.
 */

const timestamp = z.iso.datetime({ offset: true });
const severity = z.enum(["critical", "warning", "info"]);

export const alertSourceSchema = z
  .strictObject({
    circleci: z
      .strictObject({
        context: z.string().optional(),
        project: z.string().optional().describe("Project slug, e.g. gh/acme/api."),
        variable: z.string(),
      })
      .optional(),
    entra: z
      .strictObject({
        appId: z.string().describe("Client id of the app registration."),
        appName: z.string().optional(),
        keyId: z.string().optional().describe("keyId of the password or certificate."),
        credentialType: z.enum(["password", "certificate"]).optional(),
      })
      .optional(),
    keyVault: z.strictObject({ secretName: z.string() }).optional(),
  })
  .describe("Where a credential lives. Names only, never a value.");

const credentialKey = z
  .string()
  .describe('Policy credential name, or a derived key for what no policy binds: "entra:<appId>:<keyId>", "circleci:context:<name>:<VAR>", "circleci:project:<slug>:<VAR>"; a whole context (exposure): "circleci:context:<name>".');

const daysLeft = z.int().describe("ceil((expiresAt - generatedAt) / 1 day): within N days ⟺ daysLeft ≤ N; 0 or less once expired.");
const ageDays = z.int().describe("floor((generatedAt - lastChangedAt) / 1 day) of the CircleCI variable.");

const waiverMarkSchema = z
  .strictObject({
    state: z.enum(["active", "ended"]),
    reason: z.string(),
    by: z.string(),
    until: z.string(),
    waiver: z.int().min(0).describe("Index in the policy's waivers."),
  })
  .describe("A policy waiver concerns it: active = accepted, no alert (nothing else changes); ended = alerting again as new.");

const waiverMatchSchema = z.union([
  z.strictObject({ context: z.string(), variable: z.string() }),
  z.strictObject({ project: z.string(), variable: z.string() }),
  z.strictObject({ appId: z.string(), keyId: z.string().optional() }),
  z.strictObject({ credential: z.string() }),
]);

const waiverStatusSchema = z.strictObject({
  waiver: z.int().min(0),
  match: waiverMatchSchema,
  reason: z.string(),
  by: z.string(),
  until: z.string(),
  state: z.enum(["active", "ending", "ended"]).describe("ending: within 30 days of until (it raises one alert of its own)."),
  matches: z.int().min(0).describe("Credentials it matches this cycle; 0 is a warning."),
});

const watchedCredentialSchema = z.strictObject({
  credential: credentialKey,
  bound: z.boolean().describe("Whether a policy credential names it."),
  action: z.enum(["watch", "rotate", "oidc"]).optional(),
  source: alertSourceSchema,
  status: z.enum(["ok", "expiring", "expired", "long-lived", "not-found"]),
  expiresAt: timestamp.optional(),
  daysLeft: daysLeft.optional(),
  ageDays: ageDays.optional(),
  lastChangedAt: timestamp.optional(),
  retiring: z.boolean().optional().describe('A non-live "watchdog-rotation:" password of a bound app: being retired by rotation; no finding.'),
  unchecked: z.array(z.string()).optional().describe("What could not be checked because its source failed to read."),
  drift: z
    .enum(["in-sync", "drifted", "unknown"])
    .optional()
    .describe('A rotated credential: whether CircleCI still holds the value the watchdog pushed ("unknown": it could not be read); absent before its first tracked push.'),
  waiver: waiverMarkSchema.optional(),
});

export const contextExposureSchema = z
  .strictObject({
    context: z.string(),
    contextId: z.string(),
    level: z
      .enum(["unrestricted", "ssh-rerun", "restricted", "unknown"])
      .describe("unrestricted: every project of the organization can use it; ssh-rerun: an expression restriction lacks `and not job.ssh.enabled`; unknown: restrictions could not be read."),
    restrictions: z.array(z.string()).describe('Each restriction as "<type> <value>".'),
    variables: z.array(z.string()).describe("Variables that make it matter: bound by a policy credential, or long-lived secrets."),
    problem: z.string().optional().describe("Why the level is unknown."),
  })
  .describe("Who can use a CircleCI context that holds secrets.");

const missingPermissionSchema = z.strictObject({
  need: z.string().describe('As watchdog doctor names it: "owner of app <appId>", "Key Vault Secrets Officer on <vault> (secret <name>)", "CircleCI context <name>", …'),
  status: z.enum(["missing", "unknown"]).describe("unknown: the read that would tell failed (never taken as granted)."),
  fix: z.string().describe("The exact grant that fixes it."),
  detail: z.string().optional().describe("What was observed: status and error code."),
});

const appOwnershipSchema = z
  .strictObject({
    appId: z.string(),
    appName: z.string().optional(),
    credentials: z.array(z.string()).describe("The policy credentials that rotate or federate it."),
    owner: z
      .enum(["yes", "no", "unknown", "not-needed"])
      .describe("no: watched, but neither rotated nor federated until the grant; unknown: owners unreadable (never taken as owned); not-needed: the identity holds Application.ReadWrite.All."),
    fix: z.string().optional().describe("The grant that makes the watchdog an owner."),
    detail: z.string().optional().describe("Why it is unknown."),
  })
  .describe("Whether the watchdog's identity owns an app it rotates or federates (Application.ReadWrite.OwnedBy changes only owned apps).");

const findingSchema = z.strictObject({
  id: z.string().describe('Stable across cycles for the same problem: "<kind>:<credential>".'),
  kind: z.enum(["expired", "expiring", "long-lived", "not-found", "exposed", "permission-missing", "drifted", "blocked-by-tenant-policy"]),
  severity,
  credential: credentialKey,
  bound: z.boolean(),
  source: alertSourceSchema,
  expiresAt: timestamp.optional(),
  daysLeft: daysLeft.optional(),
  ageDays: ageDays.optional(),
  changedAt: timestamp.optional().describe('kind "drifted": when CircleCI says the variable changed after the watchdog\'s push.'),
  exposure: contextExposureSchema.optional().describe('kind "exposed": the context and who can use it.'),
  permissions: z.array(missingPermissionSchema).optional().describe('kind "permission-missing": what the due step needs and the watchdog lacks; the step is not started.'),
  message: z.string(),
  nextStep: z.string().describe("`watchdog rotate <name>`, concrete advice, or the policy snippet to add for an unbound credential."),
  waiver: waiverMarkSchema.optional(),
});

const blocked = z.string().optional().describe("Why the step cannot run now; executors skip blocked steps.");

const planStepSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("rotate"),
    credential: z.string(),
    reason: z.string(),
    blocked,
    note: z.string().optional().describe("What the rotation leaves in place and why, with the next step (e.g. the app's only password, kept because another credential binds the app)."),
  }),
  z.strictObject({ kind: z.literal("migrate"), credential: z.string(), reason: z.string(), blocked }),
]);

const sourceErrorSchema = z.strictObject({
  source: z.enum(["circleci", "entra", "keyvault"]),
  where: z.string(),
  message: z.string(),
});

const count = z.int().min(0);

export const migrationStatusSchema = z.strictObject({
  credential: z.string(),
  status: z.enum(["not-started", ...migrationStates, "blocked", "rolling-back"]),
  state: z.enum([...migrationStates, "none"]),
  migrationId: z.string().optional(),
  headline: z.string(),
  nextStep: z.string().optional(),
  pipelineChange: z.string().optional().describe("The exact pipeline change to make while pipelines are expected to switch."),
  blocked: z.strictObject({ kind: z.enum(migrationBlocks), reason: z.string(), since: timestamp }).optional(),
  lastFailure: z.strictObject({ step: z.string(), message: z.string(), at: timestamp }).optional(),
  fics: z.array(z.strictObject({ name: z.string(), subject: z.string() })),
  lastSignInDateTime: timestamp.nullable().optional(),
  retireEarliestAt: timestamp.optional(),
  since: timestamp.optional(),
  firstOidcSignIns: z
    .strictObject({
      available: z.boolean().describe("false: the sign-in log could not be read (no AuditLog.Read.All, no Entra ID P1/P2, …): unknown, never none."),
      reason: z.string().optional(),
      signIns: z
        .array(
          z.strictObject({
            federatedCredentialId: z.string(),
            name: z.string().optional().describe("The federated credential's name (watchdog-<credential>-<hash>)."),
            subject: z.string().optional().describe("The CircleCI subject it federates."),
            at: timestamp,
          }),
        )
        .describe("The first successful sign-in with each federated credential, oldest first; empty: none yet."),
    })
    .optional()
    .describe("The first OIDC sign-ins of the app (the sign-in log's service-principal sign-ins with clientCredentialType federatedIdentityCredential): the sign that pipelines switched. Retirement does not depend on it."),
});

const projectCoverageSchema = z.strictObject({
  read: count,
  bySource: z.strictObject({ listed: count, bound: count, followed: count, organization: count }),
  organizationList: z.enum(["read", "failed", "off"]),
  deletedSkipped: count,
  notFound: z.array(z.string()),
  unreadable: z.array(z.string()),
  complete: z.boolean(),
});

const readSourceSchema = z
  .strictObject({
    origin: z.enum(["cycle", "refresh"]).describe("Who stored it: a cycle (the timer, `watchdog run`) or an on-demand refresh."),
    storedAt: timestamp,
    refresh: z
      .enum(["ran", "shared", "too-soon", "busy"])
      .optional()
      .describe("What a refresh did: ran here, shared one already running, too-soon (within the minimum interval of the stored read), busy (another instance's still running)."),
  })
  .describe("Present when the plan is served from the stored read (GET /api/plan, `watchdog plan --cached`).");

export const planSchema = z
  .strictObject({
    generatedAt: timestamp,
    takenAt: timestamp.optional().describe("When the sources were read (set when served from the stored read)."),
    read: readSourceSchema.optional(),
    complete: z.boolean().describe("false when a source could not be read: then nothing may be removed this cycle."),
    sourceErrors: z.array(sourceErrorSchema),
    credentials: z.array(watchedCredentialSchema),
    findings: z.array(findingSchema).describe("Most urgent first: severity, then days left, then credential."),
    steps: z.array(planStepSchema),
    exposure: z.array(contextExposureSchema).optional().describe("Who can use each context holding a bound credential or a long-lived secret (absent with inventory.exposure: ignore)."),
    migrations: z.array(migrationStatusSchema).optional().describe("OIDC migration progress of action: oidc credentials."),
    projectCoverage: projectCoverageSchema.optional().describe("Which CircleCI projects were read, and how they were found."),
    ownership: z.array(appOwnershipSchema).optional().describe("Each app a rotate or oidc credential binds, and whether the watchdog owns it."),
    waivers: z.array(waiverStatusSchema).optional().describe("The policy's waivers: whether each still silences, and what it matches."),
    summary: z.strictObject({
      credentials: count,
      expired: count,
      expiring: count,
      longLived: count,
      notFound: count,
      exposed: count.describe("Contexts with an exposed finding."),
      drifted: count.describe("Rotated credentials whose CircleCI value was changed outside the watchdog."),
      blockedByTenantPolicy: count.optional().describe("Rotate credentials whose new secret the tenant's app management policy forbids (absent: none)."),
      steps: count,
      waived: count.optional().describe("Findings an active waiver accepts (counted in the totals too)."),
      permissionMissing: count.optional().describe("Credentials whose due rotation or migration is not started for a missing permission."),
    }),
  })
  .meta({ title: "secret-watchdog plan", description: "The output of `watchdog plan --json` and `GET /api/plan`." });

// Compile-time guard: the schema and the Plan type describe the same data.
// (The generic-function form compares exactly: a mere mutual-assignability check would let optional fields drift.)
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const schemaMatchesPlan: Same<z.output<typeof planSchema>, Plan> = true;
void schemaMatchesPlan;
