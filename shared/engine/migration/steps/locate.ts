import { brokerFederation, circleciIssuer, type BrokerFederation, type MigrationJournal } from "../../../domain/migration/index.js";
import { chooseRetirement, sameKeyId, type CiTarget, type ObservedVersion } from "../../../domain/rotation/index.js";
import type { EntraApp } from "../../../domain/snapshot.js";
import { MigrationStepFailed, type MigrationRun } from "../run.js";
import type { FailedMigrationStep } from "../outcome.js";

/** The app registration the credential names; a missing one fails `step`. */
export async function requireApp(run: MigrationRun, step: FailedMigrationStep): Promise<EntraApp> {
  const appId = run.credential.entra.appId;
  const app = await run.read(step, () => run.call("graph", () => run.ports.directory.getApplication(appId)));
  if (!app) throw new MigrationStepFailed(step, `no Entra application with appId ${appId}`);
  return app;
}

export function appLabel(app: { appId: string; displayName: string }): string {
  return `Entra app "${app.displayName}" (${app.appId})`;
}

/** Where the secret lives, with the context id the CircleCI API needs. */
export async function resolveCiTarget(run: MigrationRun, step: FailedMigrationStep): Promise<CiTarget> {
  const binding = run.credential.circleci;
  if ("project" in binding) return { kind: "project", project: binding.project, variable: binding.variable };
  const contexts = await run.read(step, () => run.call("circleci", () => run.ports.ci.listContexts()));
  const context = contexts.find((c) => c.name === binding.context);
  if (!context) throw new MigrationStepFailed(step, `no CircleCI context named ${binding.context}`);
  return { kind: "context", context: binding.context, contextId: context.id, variable: binding.variable };
}

export function sameTarget(journal: MigrationJournal, run: MigrationRun): boolean {
  const binding = run.credential.circleci;
  const ci = journal.ci;
  if (ci.variable !== binding.variable) return false;
  return "context" in binding ? ci.kind === "context" && ci.context === binding.context : ci.kind === "project" && ci.project === binding.project;
}

/** The credential's Key Vault versions (metadata), which name the live password once it has been rotated; none without a vault. */
export async function readVersions(run: MigrationRun, step: FailedMigrationStep): Promise<ObservedVersion[]> {
  const vault = run.ports.vault;
  if (!vault) return [];
  const versions = await run.read(step, () => run.call("keyvault", () => vault.listVersions(run.credential.keyVault.secretName)));
  return versions.map((v) => ({ version: v.version, enabled: v.enabled, tags: v.tags }));
}

/**
 * The password(s) the CircleCI variable may hold: those recorded earlier that still exist, plus what the
 * rotation's rule picks now (the Key Vault tag, a watchdog-minted one, or the app's only password).
 */
export function secretOf(app: EntraApp, versions: ObservedVersion[], credential: string, recorded: string[] = []): MigrationJournal["secret"] {
  const chosen = chooseRetirement({ credential, passwords: app.passwords, versions });
  const still = recorded.filter((keyId) => app.passwords.some((p) => sameKeyId(p.keyId, keyId)));
  const keyIds = [...new Set([...still, ...chosen.keyIds])];
  return keyIds.length > 0 || !chosen.note ? { keyIds } : { keyIds, note: chosen.note };
}

/** In oidc.mode: broker, the broker's issuer, role and audience; a missing setting fails `step` before anything changes. */
export function brokerOf(run: MigrationRun, step: FailedMigrationStep): BrokerFederation | null {
  const result = brokerFederation(run.credential.oidc, run.options.broker);
  if (!result.ok) throw new MigrationStepFailed(step, result.message);
  return result.broker;
}

export function oidcSnapshot(run: MigrationRun, step: FailedMigrationStep): MigrationJournal["oidc"] {
  const oidc = run.credential.oidc;
  const broker = brokerOf(run, step);
  return {
    orgId: run.options.orgId,
    tenantId: run.options.tenantId,
    issuer: broker ? broker.issuer : circleciIssuer(run.options.orgId),
    audience: oidc.audience,
    branches: oidc.branches ? { vcsOrigin: oidc.branches.vcsOrigin, refs: [...oidc.branches.refs] } : null,
    retireAfterQuietDays: oidc.retireAfterQuietDays,
    ...(broker ? { broker: { role: broker.role, audience: broker.audience } } : {}),
  };
}
