import type { Alert, AlertSource, Severity } from "../alert.js";
import { alertId } from "../alerts/alert-id.js";
import type { MigrationStatus, MigrationStatusKind } from "./describe.js";
import type { MigrationJournal } from "./journal.js";

/** The statuses a person hears about: each asks for something or closes the matter. */
const announced: Partial<Record<MigrationStatusKind, Severity>> = {
  waiting: "info",
  blocked: "warning",
  retired: "info",
  "rolled-back": "warning",
};

function titleOf(status: MigrationStatus): string {
  switch (status.status) {
    case "waiting":
      return `${status.credential}: federated with OIDC — switch the pipelines`;
    case "blocked":
      return `${status.credential}: OIDC migration blocked (${status.blocked?.kind ?? "see details"})`;
    case "retired":
      return `${status.credential}: client secret retired, pipelines on OIDC`;
    default:
      return `${status.credential}: OIDC migration rolled back`;
  }
}

export function migrationSource(journal: MigrationJournal): AlertSource {
  const ci = journal.ci;
  return {
    circleci: ci.kind === "context" ? { context: ci.context, variable: ci.variable } : { project: ci.project, variable: ci.variable },
    entra: { appId: journal.app.appId, appName: journal.app.displayName, credentialType: "password", ...(journal.secret.keyIds[0] ? { keyId: journal.secret.keyIds[0] } : {}) },
  };
}

/**
 * The alert for a change of migration status (null when nothing a person needs to hear about changed).
 * Its id is stable for (migration, status, block kind): raising it again after a crash lands on the same outbox key.
 */
export function migrationAlert(before: MigrationStatus, after: MigrationStatus, journal: MigrationJournal, raisedAt: string): Alert | null {
  const severity = announced[after.status];
  if (!severity) return null;
  if (before.status === after.status && before.blocked?.kind === after.blocked?.kind && before.migrationId === after.migrationId) return null;
  const nextStep = [after.blocked?.reason, after.pipelineChange ?? after.nextStep].filter((line): line is string => Boolean(line)).join("\n\n") || after.headline;
  return {
    id: alertId({ kind: "migration", credential: after.credential, marker: `${journal.migrationId}:${after.status}:${after.blocked?.kind ?? ""}` }),
    kind: "migration",
    severity,
    credential: after.credential,
    title: titleOf(after),
    source: migrationSource(journal),
    nextStep,
    raisedAt,
  };
}
