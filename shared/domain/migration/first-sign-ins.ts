import type { MigrationJournal } from "./journal.js";

/**
 * The first successful sign-in with each federated identity credential of an app since a moment, as the sign-in
 * log shows it (service-principal sign-ins, clientCredentialType federatedIdentityCredential). Unavailable when
 * the log cannot be read (no AuditLog.Read.All, no Entra ID P1/P2, …): unknown, never "none yet".
 */
export type FederatedSignIns =
  | { available: true; first: Array<{ federatedCredentialId: string; at: string }> }
  | { available: false; reason: string };

/** The sign that pipelines switched, as the plan and the report show it. Retirement never depends on it. */
export interface FirstOidcSignIns {
  /** false: the sign-in log could not be read; `reason` says why (the plan says "unknown"). */
  available: boolean;
  reason?: string;
  /** The first successful sign-in with each federated credential, oldest first (empty: none yet). */
  signIns: Array<{ federatedCredentialId: string; name?: string; subject?: string; at: string }>;
}

/** Whether a migration has federated credentials whose sign-ins are worth looking for. */
export function watchesFirstSignIns(journal: MigrationJournal): boolean {
  return ["federated", "waiting", "retired"].includes(journal.state) && journal.rollback === null && journal.federation.fics.length > 0;
}

/** The log's answer named with the journal's federated credentials (a credential it does not know keeps only its id). */
export function describeFirstSignIns(journal: MigrationJournal, evidence: FederatedSignIns): FirstOidcSignIns {
  if (!evidence.available) return { available: false, reason: evidence.reason, signIns: [] };
  const byId = new Map(journal.federation.fics.map((f) => [f.id.toLowerCase(), f]));
  return {
    available: true,
    signIns: evidence.first.map((s) => {
      const fic = byId.get(s.federatedCredentialId.toLowerCase());
      return { federatedCredentialId: s.federatedCredentialId, ...(fic ? { name: fic.name, subject: fic.subject } : {}), at: s.at };
    }),
  };
}
