import { isOwnedFic, recordRolledBack, recordSecretRestored, restorableAudience } from "../../../domain/migration/index.js";
import type { RotateCredential } from "../../../domain/policy/index.js";
import { sameKeyId } from "../../../domain/rotation/index.js";
import type { CiVariable } from "../../../domain/snapshot.js";
import { isBusy, rotateCredential } from "../../rotation/index.js";
import type { RollbackOptions } from "../options.js";
import { MigrationStepFailed, type MigrationRun } from "../run.js";
import { requireApp } from "./locate.js";

/** Whether the pipelines could still sign in with the secret: the variable and its password both still exist. */
async function secretStillThere(run: MigrationRun): Promise<boolean> {
  const journal = run.journal;
  if (journal.state === "retired") return false;
  const app = await requireApp(run, "rollback");
  const ci = journal.ci;
  const variables: CiVariable[] = await run.call("circleci", () =>
    ci.kind === "context"
      ? run.ports.ci.listContextVariables({ id: ci.contextId, name: ci.context, createdAt: "" })
      : run.ports.ci.listProjectVariables(ci.project),
  );
  if (!variables.some((v) => v.name === ci.variable)) return false;
  const keyIds = journal.secret.keyIds;
  return keyIds.length > 0 ? keyIds.some((k) => app.passwords.some((p) => sameKeyId(p.keyId, k))) : app.passwords.length > 0;
}

/** Each project's custom audience claim back to what it was, while it still holds what the watchdog set. */
async function restoreAudiences(run: MigrationRun): Promise<void> {
  const journal = run.journal;
  for (const record of journal.injectedAudience?.projects ?? []) {
    const now = await run.call("circleci", () => run.ports.ci.getProjectOidcAudience(record.projectId));
    if (!restorableAudience(now, journal.oidc.audience)) {
      run.notes.push(`project ${record.projectId}: its custom audience was changed by someone else since; left as it is`);
      continue;
    }
    const previous = record.previous;
    if (previous && previous.length > 0) await run.call("circleci", () => run.ports.ci.setProjectOidcAudience(record.projectId, previous));
    else await run.call("circleci", () => run.ports.ci.deleteProjectOidcAudience(record.projectId));
    run.record("rollback", "done", `project ${record.projectId}: custom audience restored (${previous?.join(", ") ?? "none"})`);
  }
}

/**
 * Back to the secret path: a new client secret through the rotation machinery (Key Vault first, then
 * CircleCI) when the old one is gone, then the watchdog's FICs removed — in that order, so that the
 * pipelines always have a way in. The rotation has its own journal; the rotation id is recorded here as
 * soon as it is known, so a rollback resumed after a crash does not mint twice.
 */
export async function rollBack(run: MigrationRun, options: RollbackOptions, rotateAs: RotateCredential): Promise<void> {
  const rollback = run.journal.rollback ?? { requestedBy: run.options.actor, at: run.at(), rotationId: null, removedFics: [] };
  await run.perform(
    "rollback",
    async () => {
      if (!run.journal.rollback?.rotationId && !(await secretStillThere(run))) {
        const outcome = await rotateCredential(run.ports, rotateAs, {
          tenantId: options.tenantId,
          now: options.now,
          actor: options.actor,
          manual: true,
          // The rotation only mints, stores, verifies and pushes here; its own retirement comes later, on an inventory.
          snapshotComplete: false,
          reason: "rollback of the OIDC migration: the client secret was gone",
          ...(options.testRetry ? { testRetry: options.testRetry } : {}),
          ...(options.propagation ? { propagation: options.propagation } : {}),
        });
        if (isBusy(outcome)) throw new MigrationStepFailed("rollback", `a new client secret could not be issued now: ${outcome.message}`);
        if (outcome.failure || !outcome.rotationId || (outcome.state !== "pushed" && outcome.state !== "retired")) {
          const why = outcome.failure ? `${outcome.failure.step}: ${outcome.failure.message}` : `the rotation stopped at ${outcome.state}`;
          throw new MigrationStepFailed("rollback", `issuing a new client secret failed (${why}); the federated credentials are kept`);
        }
        await run.save(recordSecretRestored(run.journal, run.at(), outcome.rotationId));
        run.record("rollback", "done", `new client secret through rotation ${outcome.rotationId}`);
        await run.audit("migration.secret-restored", { migrationId: run.journal.migrationId, rotationId: outcome.rotationId });
      }
      await restoreAudiences(run);
      const objectId = run.journal.app.objectId;
      const fics = await run.call("graph", () => run.ports.directory.listFederatedCredentials(objectId));
      const ours = fics.filter((fic) => isOwnedFic(run.name, fic.name));
      for (const fic of ours) await run.call("graph", () => run.ports.directory.deleteFederatedCredential(objectId, fic.id));
      const removed = [...new Set([...(run.journal.rollback?.removedFics ?? []), ...ours.map((f) => f.name)])];
      await run.save(recordRolledBack(run.journal, run.at(), removed));
      run.record("rollback", "done", `removed ${removed.length} federated credential(s)`);
      await run.audit("migration.rolled-back", {
        migrationId: run.journal.migrationId,
        removedFics: removed.join(",") || null,
        rotationId: run.journal.rollback?.rotationId ?? null,
      });
    },
    { rollback },
  );
}
