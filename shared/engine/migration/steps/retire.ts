import { recordRetired, type MigrationJournal } from "../../../domain/migration/index.js";
import { defaultPropagation, removePasswordConfirmed } from "../../rotation/index.js";
import { requireApp } from "./locate.js";
import { MigrationStepFailed, type MigrationRun } from "../run.js";

/** The grounds: recorded with an interrupted retirement, or what this run's check found. */
function approval(run: MigrationRun): NonNullable<MigrationJournal["retireApproval"]> {
  const journal = run.journal;
  if (journal.pending?.step === "retire" && journal.retireApproval) return journal.retireApproval;
  const checked = run.context.checked;
  if (!checked?.approve) throw new MigrationStepFailed("retire", "nothing approved the retirement in this run");
  return { basis: checked.basis, by: run.options.actor, at: run.at(), keyIds: checked.keyIds };
}

/**
 * Removes the secret: first the CircleCI variable (so the value is nowhere a pipeline can read it), then
 * the password(s) from the app. Both are idempotent; the approval is journaled with the intent, so a run
 * that resumes after a crash finishes on the same grounds instead of asking again.
 */
export async function retireSecret(run: MigrationRun): Promise<void> {
  const granted = approval(run);
  await run.perform(
    "retire",
    async () => {
      const journal = run.journal;
      const ci = journal.ci;
      if (ci.kind === "context") await run.call("circleci", () => run.ports.ci.deleteContextVariable(ci.contextId, ci.variable));
      else await run.call("circleci", () => run.ports.ci.deleteProjectVariable(ci.project, ci.variable));
      const { readLagMs } = { ...defaultPropagation, ...run.options.propagation };
      for (const keyId of granted.keyIds) {
        await removePasswordConfirmed({
          keyId,
          remove: () => run.call("graph", () => run.ports.directory.removePassword(journal.app.objectId, keyId)),
          readApp: () => requireApp(run, "retire"),
          readLagMs,
        });
      }
      await run.save(recordRetired(run.journal, run.at(), { variableRemoved: true, removedKeyIds: granted.keyIds }));
      run.record("retire", "done", `removed ${ci.variable}${granted.keyIds.length ? ` and password ${granted.keyIds.join(",")}` : ""} (${granted.basis})`);
      await run.audit("migration.retired", {
        migrationId: journal.migrationId,
        variable: ci.variable,
        target: ci.kind === "context" ? `context ${ci.context}` : `project ${ci.project}`,
        removedKeyIds: granted.keyIds.join(",") || null,
        basis: granted.basis,
        approvedBy: granted.by,
      });
    },
    { retireApproval: granted },
  );
}
