import { describeMigration, parseMigrationJournal, type MigrationStatus } from "../../domain/migration/index.js";
import type { PolicyCredential } from "../../domain/policy/index.js";
import type { StateStore } from "../../ports/state-store.js";

/**
 * The migration status of every `action: oidc` credential of the policy (plan output, `GET /api/plan`),
 * from the journals alone: no API call. An unreadable journal reads as a failure of that credential.
 */
export async function loadMigrationStatuses(store: StateStore, credentials: PolicyCredential[]): Promise<MigrationStatus[]> {
  const records = new Map((await store.list<unknown>("migrations")).map((r) => [r.key, r.value]));
  return credentials
    .filter((credential) => credential.action === "oidc")
    .map((credential) => {
      const value = records.get(credential.name);
      if (value === undefined) return describeMigration(null, credential.name);
      const parsed = parseMigrationJournal(credential.name, value);
      if (parsed.ok) return describeMigration(parsed.journal, credential.name);
      return { ...describeMigration(null, credential.name), headline: `${credential.name}: ${parsed.message}`, lastFailure: { step: "journal", message: parsed.message, at: "" } };
    });
}
