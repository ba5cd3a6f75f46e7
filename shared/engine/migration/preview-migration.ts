import { z } from "zod";
import {
  brokerFederation,
  describeMigration,
  judgeEvidence,
  pipelineChange,
  quietSinceLastSignIn,
  planInjectedAudience,
  planFederation,
  type BrokerMigrationSettings,
  type KeyEvidence,
  type MigrationBlock,
  type MigrationJournal,
  type MigrationStatus,
} from "../../domain/migration/index.js";
import type { PolicyCredential } from "../../domain/policy/index.js";
import type { ObservedVersion } from "../../domain/rotation/index.js";
import { DAY_MS } from "../../domain/time.js";
import type { WatchdogPorts } from "../../ports/index.js";
import { loadMigration, migrationLeaseKey } from "./journal-store.js";
import { appLabel, secretOf } from "./steps/locate.js";

export interface MigrationPreview {
  credential: string;
  status: MigrationStatus;
  /** What a run now would do, in order, in words (nothing is done). */
  wouldDo: string[];
  federation?: {
    create: Array<{ name: string; subject: string }>;
    remove: Array<{ name: string; subject: string }>;
    keep: number;
    coveredByOthers: number;
    /** FICs on the app the watchdog does not own. */
    foreign: number;
    /** FICs on the app afterwards, and Entra's limit. */
    total: number;
    limit: number;
  };
  blocked?: { kind: MigrationBlock; reason: string };
  /** The change the pipelines will need (or need now). */
  pipelineChange: string;
  /** Another run holds the lease now. */
  busy?: { heldBy: string; until: string };
  /** Why no preview could be made (not an oidc credential, unreadable journal, a read failed). */
  problem?: string;
}

export interface PreviewOptions {
  orgId: string;
  tenantId: string;
  now: Date;
  snapshotComplete: boolean;
  /** See MigrateOptions.signInReportingLagMs. */
  signInReportingLagMs: number;
  restart?: boolean;
  confirm?: boolean;
  /** See MigrateOptions.broker. */
  broker?: BrokerMigrationSettings;
}

const leaseView = z.object({ actor: z.string(), expiresAt: z.string() });
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function evidenceLines(ports: WatchdogPorts, journal: MigrationJournal, keyIds: string[], options: PreviewOptions): Promise<{ lines: string[]; blocked?: { kind: MigrationBlock; reason: string } }> {
  const variable = journal.ci.variable;
  const periodEnd = new Date(Date.parse(journal.waitingSince ?? options.now.toISOString()) + journal.oidc.retireAfterQuietDays * DAY_MS);
  const beforePeriodEnd = options.now < periodEnd;
  const waitForPeriod = `wait until ${periodEnd.toISOString()}: the pipelines' time to switch`;
  if (keyIds.length === 0) {
    const reason = `which client secret ${variable} holds is unknown`;
    if (options.confirm) return { lines: [`retire: remove ${variable} only (confirmed)`] };
    return beforePeriodEnd ? { lines: [waitForPeriod] } : { lines: [], blocked: { kind: "unknown-secret", reason } };
  }
  const keys: KeyEvidence[] = [];
  for (const keyId of keyIds) keys.push({ keyId, ...(await ports.directory.lastSignIn(journal.app.appId, keyId)) });
  const verdict = judgeEvidence({ keys, quietDays: journal.oidc.retireAfterQuietDays, waitingSince: journal.waitingSince ?? options.now.toISOString(), now: options.now, reportingLagMs: options.signInReportingLagMs });
  const retire = `retire: remove ${variable} and client secret ${keyIds.join(", ")}`;
  if (verdict.kind === "unavailable") {
    const reason = `the tenant cannot show sign-in activity (${verdict.reason})`;
    if (options.confirm) return { lines: [`${retire} (confirmed)`] };
    return beforePeriodEnd ? { lines: [waitForPeriod] } : { lines: [], blocked: { kind: "no-evidence", reason } };
  }
  const waived =
    verdict.kind === "waiting" &&
    options.confirm === true &&
    quietSinceLastSignIn({ lastSignInDateTime: verdict.lastSignInDateTime, quietDays: journal.oidc.retireAfterQuietDays, now: options.now, reportingLagMs: options.signInReportingLagMs });
  if (verdict.kind === "waiting" && !waived) return { lines: [`wait until ${verdict.retireEarliestAt}: ${verdict.reason}`] };
  if (waived) return { lines: [options.snapshotComplete ? `${retire} (confirmed: no sign-in for the quiet period; the wait since the pipeline change is waived)` : "wait: the secret is quiet, but the inventory is incomplete"] };
  return { lines: [options.snapshotComplete ? retire : "wait: the secret is quiet, but the inventory is incomplete"] };
}

/** The dry run of `migrateCredential` / `retireMigration`: reads the journal, the lease, the app, its FICs and the evidence; changes nothing. */
export async function previewMigration(ports: WatchdogPorts, credential: PolicyCredential, options: PreviewOptions): Promise<MigrationPreview> {
  const name = credential.name;
  if (credential.action !== "oidc") {
    return { credential: name, status: describeMigration(null, name), wouldDo: [], pipelineChange: "", problem: `credential ${name} has action: ${credential.action}` };
  }
  const broker = brokerFederation(credential.oidc, options.broker);
  const change = pipelineChange({
    audience: credential.oidc.audience,
    orgId: options.orgId,
    branches: credential.oidc.branches !== undefined,
    target: "context" in credential.circleci ? { kind: "context", context: credential.circleci.context } : { kind: "project", project: credential.circleci.project },
    variable: credential.circleci.variable,
    retireAfterQuietDays: credential.oidc.retireAfterQuietDays,
    injectedAudience: credential.oidc.injectedAudience === "project",
    credential: name,
    broker: broker.ok ? broker.broker : null,
  });
  let journal: MigrationJournal | null;
  try {
    journal = (await loadMigration(ports.state, name)).journal;
  } catch (error) {
    return { credential: name, status: describeMigration(null, name), wouldDo: [], pipelineChange: change, problem: message(error) };
  }
  const preview: MigrationPreview = { credential: name, status: describeMigration(journal, name), wouldDo: [], pipelineChange: change };
  if (!broker.ok) return { ...preview, problem: broker.message };
  const lease = await ports.state.get<unknown>("leases", migrationLeaseKey(name));
  const held = lease ? leaseView.safeParse(lease.value) : null;
  if (held?.success && Date.parse(held.data.expiresAt) > options.now.getTime()) preview.busy = { heldBy: held.data.actor, until: held.data.expiresAt };

  if (journal?.state === "rolled-back" && !options.restart) return { ...preview, wouldDo: [], status: preview.status };
  if (journal?.rollback && journal.state !== "rolled-back") return { ...preview, wouldDo: ["nothing: a rollback is unfinished; run the rollback again"] };
  try {
    const app = await ports.directory.getApplication(credential.entra.appId);
    if (!app) return { ...preview, problem: `no Entra application with appId ${credential.entra.appId}` };
    const fresh = !journal || journal.state === "rolled-back";
    if (fresh) preview.wouldDo.push(`plan: ${appLabel(app)}, ${"context" in credential.circleci ? `context ${credential.circleci.context}` : `project ${credential.circleci.project}`} ${credential.circleci.variable}`);

    if (credential.oidc.injectedAudience === "project") {
      const current: Array<{ projectId: string; audience: string[] | null }> = [];
      for (const projectId of [...new Set(credential.oidc.projectIds)]) current.push({ projectId, audience: await ports.ci.getProjectOidcAudience(projectId) });
      const claims = planInjectedAudience({ credential: name, audience: credential.oidc.audience, current });
      if (!claims.ok) return { ...preview, problem: claims.message };
      for (const projectId of claims.set) preview.wouldDo.push(`set the CircleCI OIDC custom audience of project ${projectId} to ${credential.oidc.audience} (experimental)`);
    }
    const existing = await ports.directory.listFederatedCredentials(app.objectId);
    const plan = planFederation({ credential: name, oidc: credential.oidc, orgId: options.orgId, broker: broker.broker, existing, appLabel: appLabel(app) });
    if (!plan.ok) return { ...preview, blocked: { kind: plan.kind, reason: plan.message } };
    preview.federation = {
      create: plan.create.map((f) => ({ name: f.name, subject: f.subject })),
      remove: plan.remove.map((f) => ({ name: f.name, subject: f.subject })),
      keep: plan.keep.length,
      coveredByOthers: plan.coveredByOthers.length,
      foreign: plan.foreign.length,
      total: plan.total,
      limit: plan.limit,
    };
    for (const fic of plan.remove) preview.wouldDo.push(`remove federated credential ${fic.name} (${fic.subject})`);
    for (const fic of plan.create) preview.wouldDo.push(`create federated credential ${fic.name} for ${fic.subject}`);
    const where = "context" in credential.circleci ? `context ${credential.circleci.context}` : `project ${credential.circleci.project}`;
    if (fresh || !journal?.idsSetAt) preview.wouldDo.push(`set AZURE_CLIENT_ID and AZURE_TENANT_ID in ${where}`);
    if (fresh || journal?.state === "planned" || journal?.state === "federated") {
      preview.wouldDo.push("publish the pipeline change, then wait for the secret to fall silent");
      return preview;
    }
    if (journal?.state !== "waiting") return preview;
    const versions: ObservedVersion[] = ports.vault ? (await ports.vault.listVersions(credential.keyVault.secretName)).map((v) => ({ version: v.version, enabled: v.enabled, tags: v.tags })) : [];
    const secret = secretOf(app, versions, name, journal.secret.keyIds);
    if (app.passwords.length === 0) {
      preview.wouldDo.push(`retire: remove ${journal.ci.variable} (the app has no client secret left)`);
      return preview;
    }
    const evidence = await evidenceLines(ports, journal, secret.keyIds, options);
    preview.wouldDo.push(...evidence.lines);
    return evidence.blocked ? { ...preview, blocked: evidence.blocked } : preview;
  } catch (error) {
    return { ...preview, problem: `could not read what the migration needs: ${message(error)}` };
  }
}
