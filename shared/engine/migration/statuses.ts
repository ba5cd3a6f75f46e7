import pLimit from "p-limit";
import { describeFirstSignIns, describeMigration, parseMigrationJournal, watchesFirstSignIns, type MigrationStatus } from "../../domain/migration/index.js";
import type { PolicyCredential } from "../../domain/policy/index.js";
import type { Directory } from "../../ports/directory.js";
import type { StateStore } from "../../ports/state-store.js";

/**
 * The migration status of every `action: oidc` credential of the policy (plan output, `GET /api/plan`), from the
 * journals. With a directory, each federated migration also gets its first OIDC sign-ins from the sign-in log
 * (reads only; a log that cannot be read says so). An unreadable journal reads as a failure of that credential.
 */
export async function loadMigrationStatuses(store: StateStore, credentials: PolicyCredential[], directory?: Directory): Promise<MigrationStatus[]> {
  const records = new Map((await store.list<unknown>("migrations")).map((r) => [r.key, r.value]));
  const limit = pLimit(4);
  return Promise.all(
    credentials
      .filter((credential) => credential.action === "oidc")
      .map(async (credential): Promise<MigrationStatus> => {
        const value = records.get(credential.name);
        if (value === undefined) return describeMigration(null, credential.name);
        const parsed = parseMigrationJournal(credential.name, value);
        if (!parsed.ok) return { ...describeMigration(null, credential.name), headline: `${credential.name}: ${parsed.message}`, lastFailure: { step: "journal", message: parsed.message, at: "" } };
        const status = describeMigration(parsed.journal, credential.name);
        if (!directory || !watchesFirstSignIns(parsed.journal)) return status;
        const journal = parsed.journal;
        const evidence = await limit(() => directory.firstFederatedSignIns(journal.app.appId, journal.startedAt));
        return { ...status, firstOidcSignIns: describeFirstSignIns(journal, evidence) };
      }),
  );
}
