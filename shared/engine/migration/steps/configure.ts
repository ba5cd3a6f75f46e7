import { clientIdVariable, recordConfigured, tenantIdVariable } from "../../../domain/migration/index.js";
import { SecretValue } from "../../../domain/secret-value.js";
import type { MigrationRun } from "../run.js";

/**
 * AZURE_CLIENT_ID and AZURE_TENANT_ID where the secret lives, for `az login --federated-token`. They are
 * not secrets; they go through SecretValue because that is what the CI port takes. Upserts: redoing is harmless.
 */
export async function configureIds(run: MigrationRun): Promise<void> {
  await run.perform("configure", async () => {
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
