import { clientIdVariable, planInjectedAudience, recordConfigured, tenantIdVariable, type ProjectAudienceRecord } from "../../../domain/migration/index.js";
import { SecretValue } from "../../../domain/secret-value.js";
import { MigrationStepFailed, type MigrationRun } from "../run.js";

/**
 * Experimental (oidc.injectedAudience: project): reads each project's custom audience claim before anything is
 * written. A conflict fails the step with nothing changed (the plan shows it as the step's failure); otherwise the
 * records, with the previous values, are journaled before any PATCH, so that a crash after one still knows what
 * a rollback restores.
 */
async function setProjectAudiences(run: MigrationRun): Promise<void> {
  if (run.credential.oidc.injectedAudience !== "project") return;
  const audience = run.credential.oidc.audience;
  const current: Array<{ projectId: string; audience: string[] | null }> = [];
  for (const projectId of [...new Set(run.credential.oidc.projectIds)]) {
    current.push({ projectId, audience: await run.call("circleci", () => run.ports.ci.getProjectOidcAudience(projectId)) });
  }
  const plan = planInjectedAudience({ credential: run.name, audience, current });
  if (!plan.ok) throw new MigrationStepFailed("configure", plan.message);
  const recorded = run.journal.injectedAudience?.projects ?? [];
  const fresh: ProjectAudienceRecord[] = plan.set.filter((id) => !recorded.some((r) => r.projectId === id)).map((projectId) => ({ projectId, previous: null, setAt: run.at() }));
  if (fresh.length > 0) await run.save({ ...run.journal, injectedAudience: { projects: [...recorded, ...fresh] } });
  for (const projectId of plan.set) await run.call("circleci", () => run.ports.ci.setProjectOidcAudience(projectId, [audience]));
  if (plan.set.length === 0) return;
  run.record("configure", "done", `custom audience ${audience} on project(s) ${plan.set.join(", ")} (experimental)`);
  await run.audit("migration.injected-audience", { migrationId: run.journal.migrationId, audience, projects: plan.set.join(",") });
}

/**
 * AZURE_CLIENT_ID and AZURE_TENANT_ID where the secret lives, for `az login --federated-token`. They are
 * not secrets; they go through SecretValue because that is what the CI port takes. Upserts: redoing is harmless.
 */
export async function configureIds(run: MigrationRun): Promise<void> {
  await run.perform("configure", async () => {
    // First: a conflict must stop the step before anything is written.
    await setProjectAudiences(run);
    const journal = run.journal;
    const values: Array<[string, string]> = [
      [clientIdVariable, journal.app.appId],
      [tenantIdVariable, run.options.tenantId],
    ];
    const ci = journal.ci;
    for (const [name, value] of values) {
      if (ci.kind === "context") await run.call("circleci", () => run.ports.ci.setContextVariable(ci.contextId, name, new SecretValue(value)));
      else await run.call("circleci", () => run.ports.ci.setProjectVariable(ci.project, name, new SecretValue(value)));
    }
    await run.save(recordConfigured(run.journal, run.at()));
    const target = ci.kind === "context" ? `context ${ci.context}` : `project ${ci.project}`;
    run.record("configure", "done", `${clientIdVariable}, ${tenantIdVariable} in ${target}`);
    await run.audit("migration.configured", { migrationId: journal.migrationId, target, variables: `${clientIdVariable},${tenantIdVariable}` });
  });
}
