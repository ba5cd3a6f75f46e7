import { randomUUID } from "node:crypto";
import { startMigration } from "../../../domain/migration/index.js";
import type { MigrationRun } from "../run.js";
import { oidcSnapshot, readVersions, requireApp, resolveCiTarget, secretOf } from "./locate.js";

/**
 * Opens the journal: the app, where the secret lives and which password(s) it is. Only reads before the
 * one write, so a crash here leaves nothing to undo; a migration that could never finish (no app, no
 * context) does not begin.
 */
export async function planMigration(run: MigrationRun): Promise<void> {
  // First: a broker migration without its issuer setting must not begin.
  const oidc = oidcSnapshot(run, "plan");
  const app = await requireApp(run, "plan");
  const ci = await resolveCiTarget(run, "plan");
  const versions = await readVersions(run, "plan");
  const secret = secretOf(app, versions, run.name);
  const migrationId = run.options.newMigrationId?.() ?? randomUUID();
  const previous = run.handle.journal;
  await run.save(
    startMigration({
      credential: run.name,
      migrationId,
      actor: run.options.actor,
      at: run.at(),
      app: { appId: app.appId, objectId: app.objectId, displayName: app.displayName },
      ci,
      oidc,
      secret,
      previous,
    }),
  );
  run.context.federationChecked = false;
  run.context.checked = null;
  run.record("plan", "done", `migration ${migrationId}`);
  await run.audit("migration.planned", {
    migrationId,
    appId: app.appId,
    target: ci.kind === "context" ? `context ${ci.context}` : `project ${ci.project}`,
    variable: ci.variable,
    secretKeyIds: secret.keyIds.join(",") || null,
  });
}
