import type { FirstOidcSignIns } from "./first-sign-ins.js";
import type { MigrationBlock, MigrationJournal, MigrationState } from "./journal.js";
import { journalBroker } from "./broker-federation.js";
import { pipelineChange } from "./pipeline-change.js";

export type MigrationStatusKind = "not-started" | MigrationState | "blocked" | "rolling-back";

/** One credential's migration as the plan, `GET /api/plan`, the CLI and alerts show it. Names and ids only. */
export interface MigrationStatus {
  credential: string;
  status: MigrationStatusKind;
  state: MigrationState | "none";
  migrationId?: string;
  /** One line a human reads first. */
  headline: string;
  /** What to do now, when something is expected of a person. */
  nextStep?: string;
  /** The exact pipeline change, while pipelines are expected to switch. */
  pipelineChange?: string;
  blocked?: { kind: MigrationBlock; reason: string; since: string };
  lastFailure?: { step: string; message: string; at: string };
  fics: Array<{ name: string; subject: string }>;
  lastSignInDateTime?: string | null;
  retireEarliestAt?: string;
  /** When the current status began; absent while the migration has not started. */
  since?: string;
  /**
   * The first OIDC sign-ins (sign-in log, AuditLog.Read.All and Entra ID P1/P2): the sign that pipelines switched.
   * Set once the app is federated (not on a rolled-back migration); retirement does not depend on it.
   */
  firstOidcSignIns?: FirstOidcSignIns;
}

export function migrationPipelineChange(journal: MigrationJournal): string {
  const ci = journal.ci;
  return pipelineChange({
    audience: journal.oidc.audience,
    orgId: journal.oidc.orgId,
    branches: journal.oidc.branches !== null,
    target: ci.kind === "context" ? { kind: "context", context: ci.context } : { kind: "project", project: ci.project },
    variable: ci.variable,
    retireAfterQuietDays: journal.oidc.retireAfterQuietDays,
    injectedAudience: (journal.injectedAudience?.projects.length ?? 0) > 0,
    credential: journal.credential,
    broker: journalBroker(journal.oidc),
  });
}

function blockedNextStep(journal: MigrationJournal, kind: MigrationBlock): string {
  const name = journal.credential;
  switch (kind) {
    case "no-evidence":
    case "unknown-secret":
      return `Once every pipeline signs in with OIDC, run: watchdog retire ${name} --confirm (or roll back: watchdog rollback ${name}).`;
    case "fic-limit":
    case "fic-conflict":
      return `Change the policy's oidc block of ${name} (or the app's federated credentials) as the reason says; the next run federates again.`;
  }
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;

/** The status of one credential's migration, from its journal alone (pure; null: never started). */
export function describeMigration(journal: MigrationJournal | null, credential: string): MigrationStatus {
  if (!journal) return { credential, status: "not-started", state: "none", headline: `${credential}: OIDC migration not started`, fics: [] };
  const base = {
    credential: journal.credential,
    state: journal.state,
    migrationId: journal.migrationId,
    fics: journal.federation.fics.map((f) => ({ name: f.name, subject: f.subject })),
    ...(journal.lastFailure ? { lastFailure: journal.lastFailure } : {}),
    ...(journal.evidence ? { lastSignInDateTime: journal.evidence.lastSignInDateTime } : {}),
    ...(journal.evidence?.retireEarliestAt ? { retireEarliestAt: journal.evidence.retireEarliestAt } : {}),
  };
  const where = journal.ci.kind === "context" ? `context ${journal.ci.context}` : `project ${journal.ci.project}`;
  const fics = plural(journal.federation.fics.length + journal.federation.coveredByOthers.length, "federated credential");

  if (journal.state === "rolled-back") {
    return {
      ...base,
      status: "rolled-back",
      headline: `${journal.credential}: rolled back to the client secret${journal.rollback?.rotationId ? " (a new one was issued)" : ""}; the watchdog's federated credentials are removed`,
      nextStep: `Switch pipelines back to ${journal.ci.variable} (az login --service-principal -u $AZURE_CLIENT_ID -p $${journal.ci.variable} -t $AZURE_TENANT_ID) and set action: rotate or watch on ${journal.credential}.`,
      since: journal.rolledBackAt ?? journal.updatedAt,
    };
  }
  if (journal.rollback) {
    return {
      ...base,
      status: "rolling-back",
      headline: `${journal.credential}: rollback to the client secret in progress`,
      nextStep: `Run: watchdog rollback ${journal.credential}`,
      since: journal.rollback.at,
    };
  }
  if (journal.blocked) {
    const waiting = journal.state === "waiting" ? { pipelineChange: migrationPipelineChange(journal) } : {};
    return {
      ...base,
      ...waiting,
      status: "blocked",
      blocked: journal.blocked,
      headline: `${journal.credential}: OIDC migration blocked — ${journal.blocked.reason}`,
      nextStep: blockedNextStep(journal, journal.blocked.kind),
      since: journal.blocked.since,
    };
  }
  switch (journal.state) {
    case "planned":
      return { ...base, status: "planned", headline: `${journal.credential}: OIDC migration planned (Entra app ${journal.app.appId})`, since: journal.startedAt };
    case "federated":
      return { ...base, status: "federated", headline: `${journal.credential}: ${fics} on Entra app ${journal.app.appId}; client and tenant ids set in ${where}`, since: journal.idsSetAt ?? journal.updatedAt };
    case "waiting": {
      const change = migrationPipelineChange(journal);
      const until = journal.evidence?.retireEarliestAt ? ` (retired at the earliest ${journal.evidence.retireEarliestAt})` : "";
      return {
        ...base,
        status: "waiting",
        headline: `${journal.credential}: federated; waiting for pipelines to stop using ${journal.ci.variable}${until}`,
        nextStep: change.split("\n")[0] ?? change,
        pipelineChange: change,
        since: journal.waitingSince ?? journal.updatedAt,
      };
    }
    case "retired":
      return {
        ...base,
        status: "retired",
        headline: `${journal.credential}: on OIDC; ${journal.ci.variable} removed from ${where}${journal.retired?.removedKeyIds.length ? ` and client secret ${journal.retired.removedKeyIds.join(", ")} removed` : ""}`,
        since: journal.retiredAt ?? journal.updatedAt,
      };
  }
}
