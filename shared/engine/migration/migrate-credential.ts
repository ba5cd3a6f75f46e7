import type { PolicyCredential } from "../../domain/policy/index.js";
import type { WatchdogPorts } from "../../ports/index.js";
import { advanceMigration } from "./advance.js";
import type { MigrateOptions, RetireOptions } from "./options.js";
import type { MigrationOutcome } from "./outcome.js";
import { notMigrated, withMigrationRun } from "./with-run.js";

/**
 * Advances one credential's move to OIDC federation as far as it can in this run: plans, federates
 * (FICs + client/tenant ids), publishes the pipeline change, and — on a complete inventory, once the
 * secret has had no sign-in for `retireAfterQuietDays` — retires it. Resumes a journal left by a crashed
 * run. Never throws for a failing step.
 */
export function migrateCredential(ports: WatchdogPorts, credential: PolicyCredential, options: MigrateOptions): Promise<MigrationOutcome> {
  if (credential.action !== "oidc") return Promise.resolve(notMigrated(credential));
  return withMigrationRun(ports, credential, { ...options, confirm: false }, advanceMigration);
}

/**
 * The same run on a person's request (`watchdog retire <name> [--confirm]`). With `confirm`, a person
 * vouches that the pipelines switched, which stands in for sign-in evidence the tenant cannot give;
 * evidence that shows use still wins.
 */
export function retireMigration(ports: WatchdogPorts, credential: PolicyCredential, options: RetireOptions): Promise<MigrationOutcome> {
  if (credential.action !== "oidc") return Promise.resolve(notMigrated(credential));
  return withMigrationRun(ports, credential, options, advanceMigration);
}
