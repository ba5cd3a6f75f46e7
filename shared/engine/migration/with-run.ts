import { describeMigration } from "../../domain/migration/index.js";
import type { OidcCredential, PolicyCredential } from "../../domain/policy/index.js";
import type { WatchdogPorts } from "../../ports/index.js";
import type { HeldLease } from "../journaled/lease.js";
import { runUnderLease, type LeaseAnswers } from "../journaled/run.js";
import { loadMigration, migrationLeaseKey } from "./journal-store.js";
import type { RunOptions } from "./options.js";
import type { FailedMigrationStep, MigrationBusy, MigrationOutcome, MigrationResult } from "./outcome.js";
import { MigrationRun } from "./run.js";

export function failed(credential: string, step: FailedMigrationStep, message: string): MigrationResult {
  return {
    credential,
    state: "none",
    status: describeMigration(null, credential),
    steps: [],
    apiCalls: 0,
    apiCallsBySystem: { graph: 0, circleci: 0, keyvault: 0 },
    failure: { step, message },
    alerts: [],
  };
}

export function notMigrated(credential: PolicyCredential): MigrationResult {
  return failed(credential.name, "plan", `credential ${credential.name} has action: ${credential.action}; only action: oidc credentials are migrated`);
}

const migrationAnswers: LeaseAnswers<MigrationResult, MigrationBusy> = {
  activity: "migration",
  doing: "migrating",
  failed,
  // A run that lost the race half-way has no expiry to tell; MigrationBusy always carries one.
  busy: (credential, heldBy, until, message) => ({ credential, busy: true, heldBy, until: until ?? "", message }),
};

/**
 * Runs `body` on one credential's migration under its lease (one run per credential at a time), with the
 * journal loaded. Never throws for a failing step: the result names the step and the error.
 */
export function withMigrationRun(
  ports: WatchdogPorts,
  credential: OidcCredential,
  options: RunOptions,
  body: (run: MigrationRun) => Promise<MigrationResult>,
): Promise<MigrationOutcome> {
  const open = (lease: HeldLease, ttlMs: number) => new MigrationRun(ports, credential, options, lease, ttlMs);
  return runUnderLease(ports.state, migrationLeaseKey(credential.name), credential.name, options, migrationAnswers, open, async (run) => {
    try {
      run.handle = await loadMigration(ports.state, credential.name);
    } catch (error) {
      return failed(credential.name, "journal", error instanceof Error ? error.message : String(error));
    }
    run.initial = run.handle.journal;
    return body(run);
  });
}
