import { journalBroker, planFederation, recordBlocked, recordFederated, type FederationPlan, type MigrationJournal } from "../../../domain/migration/index.js";
import type { MigrationRun } from "../run.js";
import { appLabel, oidcSnapshot } from "./locate.js";

type Ready = Extract<FederationPlan, { ok: true }>;

function inSync(journal: MigrationJournal, plan: Ready, oidc: MigrationJournal["oidc"]): boolean {
  const recorded = journal.federation.fics.map((f) => f.id).sort().join(",");
  const present = plan.keep.map((f) => f.id).sort().join(",");
  return (
    journal.federation.syncedAt !== null &&
    plan.create.length === 0 &&
    plan.remove.length === 0 &&
    recorded === present &&
    journal.federation.coveredByOthers.length === plan.coveredByOthers.length &&
    JSON.stringify(journal.oidc) === JSON.stringify(oidc) &&
    journal.blocked?.kind !== "fic-limit" &&
    journal.blocked?.kind !== "fic-conflict"
  );
}

/**
 * Brings the app's federated credentials in line with the policy: reads them, plans (pure), removes the
 * watchdog's that are no longer wanted, then creates the missing ones. Re-running it finds its own FICs by
 * name, so a crash at any point leaves no duplicate. A plan that breaks Entra's rules changes nothing and
 * blocks the migration with the reason. Runs on every cycle while migrating or migrated (drift, policy changes).
 */
export async function federate(run: MigrationRun): Promise<void> {
  run.context.federationChecked = true;
  const journal = run.journal;
  const oidc = oidcSnapshot(run, "federate");
  const existing = await run.read("federate", () => run.call("graph", () => run.ports.directory.listFederatedCredentials(journal.app.objectId)));
  const plan = planFederation({ credential: run.name, oidc: run.credential.oidc, orgId: run.options.orgId, broker: journalBroker(oidc), existing, appLabel: appLabel(journal.app) });

  if (!plan.ok) {
    if (journal.blocked?.kind !== plan.kind || journal.blocked.reason !== plan.message || journal.pending) {
      await run.save(recordBlocked(journal, "federate", run.at(), plan.kind, plan.message));
      await run.audit("migration.blocked", { migrationId: journal.migrationId, kind: plan.kind, reason: plan.message });
    }
    run.record("federate", "blocked", plan.message);
    return;
  }
  if (inSync(journal, plan, oidc) && !journal.pending) return;

  const refs = (fics: Array<{ id: string; name: string; subject: string }>) => fics.map((f) => ({ id: f.id, name: f.name, subject: f.subject }));
  const covered = plan.coveredByOthers.map((c) => ({ name: c.fic.name, subject: c.subject }));
  if (plan.create.length === 0 && plan.remove.length === 0) {
    await run.save(recordFederated(journal, run.at(), { fics: refs(plan.keep), coveredByOthers: covered, oidc, created: [], removed: [] }));
    run.record("federate", "done", `${plan.keep.length} federated credential(s) already in place`);
    return;
  }

  await run.perform("federate", async () => {
    const objectId = journal.app.objectId;
    // Removals first: an app at the limit must make room, and a changed audience keeps its issuer+subject.
    for (const fic of plan.remove) {
      await run.call("graph", () => run.ports.directory.deleteFederatedCredential(objectId, fic.id));
    }
    const created = [];
    for (const fic of plan.create) {
      const { name, issuer, subject, audience, description } = fic;
      created.push(await run.call("graph", () => run.ports.directory.createFederatedCredential(objectId, { name, issuer, subject, audiences: [audience], description })));
    }
    const fics = refs([...plan.keep, ...created]);
    await run.save(
      recordFederated(run.journal, run.at(), {
        fics,
        coveredByOthers: covered,
        oidc,
        created: created.map((f) => f.name),
        removed: plan.remove.map((f) => f.name),
      }),
    );
    run.record("federate", "done", `created ${created.length}, removed ${plan.remove.length}, kept ${plan.keep.length}`);
    await run.audit("migration.federated", {
      migrationId: journal.migrationId,
      appId: journal.app.appId,
      created: created.map((f) => f.name).join(",") || null,
      removed: plan.remove.map((f) => f.name).join(",") || null,
      kept: plan.keep.length,
      foreign: plan.foreign.length,
    });
  });
}
