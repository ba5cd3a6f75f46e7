import { randomUUID } from "node:crypto";
import { describeMigration } from "../../domain/migration/index.js";
import type { OidcCredential, PolicyCredential } from "../../domain/policy/index.js";
import type { WatchdogPorts } from "../../ports/index.js";
import { acquireLease, defaultLeaseTtlMs, releaseLease } from "../rotation/lease.js";
import { loadMigration, migrationLeaseKey } from "./journal-store.js";
import type { RunOptions } from "./options.js";
import type { FailedMigrationStep, MigrationOutcome, MigrationResult } from "./outcome.js";
import { LostMigrationRace, MigrationRun, MigrationStepFailed } from "./run.js";

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

/**
 * Runs `body` on one credential's migration under its lease (one run per credential at a time), with the
 * journal loaded. Never throws for a failing step: the result names the step and the error.
 */
export async function withMigrationRun(
  ports: WatchdogPorts,
  credential: OidcCredential,
  options: RunOptions,
  body: (run: MigrationRun) => Promise<MigrationResult>,
): Promise<MigrationOutcome> {
  const ttlMs = options.lease?.ttlMs ?? defaultLeaseTtlMs;
  const holder = options.lease?.holderId ?? randomUUID();
  let attempt;
  try {
    attempt = await acquireLease(ports.state, migrationLeaseKey(credential.name), { holder, actor: options.actor, now: options.now(), ttlMs });
  } catch (error) {
    return failed(credential.name, "lease", `cannot take the migration lease: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!attempt.acquired) {
    return {
      credential: credential.name,
      busy: true,
      heldBy: attempt.heldBy,
      until: attempt.until,
      message: `already migrating: ${credential.name} is held by ${attempt.heldBy} until ${attempt.until}`,
    };
  }

  const run = new MigrationRun(ports, credential, options, attempt.lease, ttlMs);
  try {
    try {
      run.handle = await loadMigration(ports.state, credential.name);
    } catch (error) {
      return failed(credential.name, "journal", error instanceof Error ? error.message : String(error));
    }
    run.initial = run.handle.journal;
    return await body(run);
  } catch (error) {
    if (error instanceof LostMigrationRace) {
      return { credential: credential.name, busy: true, heldBy: "another run", until: "", message: `already migrating: ${error.message}` };
    }
    if (error instanceof MigrationStepFailed) return run.result({ failure: { step: error.step, message: error.message } });
    return run.result({ failure: { step: run.handle.journal?.pending?.step ?? "journal", message: run.describe(error) } });
  } finally {
    await releaseLease(ports.state, run.heldLease).catch(() => undefined);
  }
}
