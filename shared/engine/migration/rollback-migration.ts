import { oidcDefaults, rotationDefaults, type OidcCredential, type PolicyCredential, type RotateCredential } from "../../domain/policy/index.js";
import type { WatchdogPorts } from "../../ports/index.js";
import type { RollbackOptions } from "./options.js";
import type { MigrationOutcome } from "./outcome.js";
import { planMigration } from "./steps/plan.js";
import { rollBack } from "./steps/rollback.js";
import { notMigrated, withMigrationRun } from "./with-run.js";

/**
 * The credential as both paths see it. A person may already have set `action: rotate` (or watch) in the
 * policy before asking for the rollback: the migration then still knows the app and the place from its
 * journal, and a new secret follows the policy's rotation settings when it has them.
 */
function bothWays(credential: PolicyCredential, rotation: RollbackOptions["rotation"]): { oidc: OidcCredential; rotate: RotateCredential } | null {
  if (!credential.entra) return null;
  const base = { name: credential.name, circleci: credential.circleci, entra: credential.entra, keyVault: credential.keyVault };
  const oidc: OidcCredential =
    credential.action === "oidc"
      ? credential
      : { ...base, action: "oidc", oidc: { mode: "direct", projectIds: [], userIds: [], audience: oidcDefaults.audience, retireAfterQuietDays: oidcDefaults.retireAfterQuietDays } };
  const policy = credential.action === "rotate" ? credential.rotation : rotationDefaults;
  return { oidc, rotate: { ...base, action: "rotate", rotation: { ...policy, ...rotation } } };
}

/**
 * Returns the credential to the secret path (`watchdog rollback <name>`): a new client secret through the
 * rotation machinery when the old one is gone, then every FIC the watchdog created for it removed. State
 * `rolled-back`; later migrate runs leave it alone until a restart is asked for. Resumable like the rest.
 */
export function rollbackMigration(ports: WatchdogPorts, credential: PolicyCredential, options: RollbackOptions): Promise<MigrationOutcome> {
  const as = bothWays(credential, options.rotation);
  if (!as) return Promise.resolve(notMigrated(credential));
  return withMigrationRun(ports, as.oidc, { ...options, snapshotComplete: false, confirm: false, signInReportingLagMs: 0 }, async (run) => {
    if (run.handle.journal?.state === "rolled-back") return run.result({ note: `already rolled back at ${run.handle.journal.rolledBackAt ?? run.handle.journal.updatedAt}` });
    // Never migrated: still clean up (FICs left by an earlier journal that is gone) on a journal of its own.
    if (!run.handle.journal) await planMigration(run);
    await rollBack(run, options, as.rotate);
    return run.result({
      note: "pipelines must sign in with the client secret again; set action: rotate (or watch) on the credential, or migrate again with a restart",
    });
  });
}
