import { journalBroker, recordSwitched, tokenCommand } from "../../../domain/migration/index.js";
import type { MigrationRun } from "../run.js";

/**
 * Publishes the pipeline change (the status and the alert carry it) and starts the wait. No external
 * call: the watchdog cannot edit a pipeline's config, it can only say what to change.
 */
export async function publishSwitch(run: MigrationRun): Promise<void> {
  const journal = run.journal;
  await run.save(recordSwitched(journal, run.at()));
  run.record("switch", "done", "pipeline change published; waiting for the secret to fall silent");
  await run.audit("migration.waiting", {
    migrationId: journal.migrationId,
    token: tokenCommand({ audience: journal.oidc.audience, orgId: journal.oidc.orgId, branches: journal.oidc.branches !== null, broker: journalBroker(journal.oidc) }),
    retireAfterQuietDays: journal.oidc.retireAfterQuietDays,
  });
}
