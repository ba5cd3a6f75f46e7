import { nextMigrationAction } from "../../domain/migration/index.js";
import type { MigrationResult } from "./outcome.js";
import { MigrationStepFailed, type MigrationRun } from "./run.js";
import { checkEvidence } from "./steps/check.js";
import { configureIds } from "./steps/configure.js";
import { federate } from "./steps/federate.js";
import { resolveCiTarget, sameTarget } from "./steps/locate.js";
import { planMigration } from "./steps/plan.js";
import { retireSecret } from "./steps/retire.js";
import { publishSwitch } from "./steps/switch.js";

// plan, federate, configure, switch, federate, check, retire: a clean first run takes at most these.
const maxActionsPerRun = 12;

/**
 * The policy may have changed since the journal was written: another app is a different migration (roll
 * back first); another CircleCI place gets the client and tenant ids again.
 */
async function followPolicy(run: MigrationRun): Promise<void> {
  const journal = run.handle.journal;
  if (!journal || journal.state === "rolled-back" || journal.rollback) return;
  if (journal.app.appId.toLowerCase() !== run.credential.entra.appId.toLowerCase()) {
    throw new MigrationStepFailed(
      "plan",
      `the policy's entra.appId of ${run.name} changed from ${journal.app.appId} during the migration: restore it, or roll back (watchdog rollback ${run.name}) and migrate again`,
    );
  }
  if (sameTarget(journal, run)) return;
  const ci = await resolveCiTarget(run, "plan");
  await run.save({ ...journal, ci, idsSetAt: null, updatedAt: run.at() });
  run.record("plan", "done", `the secret now lives in ${ci.kind === "context" ? `context ${ci.context}` : `project ${ci.project}`} ${ci.variable}`);
}

/** Advances the migration as far as it can go in this run. */
export async function advanceMigration(run: MigrationRun): Promise<MigrationResult> {
  await followPolicy(run);
  for (let taken = 0; taken < maxActionsPerRun; taken++) {
    const action = nextMigrationAction(run.handle.journal, run.context);
    switch (action.kind) {
      case "idle":
        return run.result({ note: action.reason });
      case "wait":
        return run.result({ note: `waiting: ${action.reason}`, ...(action.until ? { waitingUntil: action.until } : {}) });
      case "blocked":
        return run.result({ note: `blocked: ${action.reason}` });
      case "plan":
        await planMigration(run);
        break;
      case "federate":
        await federate(run);
        break;
      case "configure":
        await configureIds(run);
        break;
      case "switch":
        await publishSwitch(run);
        break;
      case "check":
        await checkEvidence(run);
        break;
      case "retire":
        await retireSecret(run);
        break;
    }
  }
  return run.result({ failure: { step: run.handle.journal?.pending?.step ?? "journal", message: `no progress after ${maxActionsPerRun} actions in one run` } });
}
