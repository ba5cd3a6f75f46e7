/**
 * Migration of `action: oidc` credentials from their client secret to CircleCI OIDC federation (issue 5):
 * plan -> federate (FICs, client/tenant ids) -> waiting (pipeline change published) -> retired on evidence —
 * or rolled back. Every step is journaled in the `migrations` table and resumable after a crash.
 */
export { migrateCredential, retireMigration } from "./migrate-credential.js";
export { rollbackMigration } from "./rollback-migration.js";
export { previewMigration, type MigrationPreview, type PreviewOptions } from "./preview-migration.js";
export { loadMigrationStatuses } from "./statuses.js";
export { loadMigration, migrationLeaseKey, type MigrationHandle } from "./journal-store.js";
export type { MigrateOptions, RetireOptions, RollbackOptions } from "./options.js";
export {
  isMigrationBusy,
  migrationChangedTheWorld,
  type FailedMigrationStep,
  type MigrationBusy,
  type MigrationOutcome,
  type MigrationResult,
  type MigrationStepRecord,
} from "./outcome.js";
export { checkOidcToken, type TokenCheckResult } from "./check-token.js";
