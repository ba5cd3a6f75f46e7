import type { AppCertificate, AppPassword, AppPolicyRead, CiContext, CiVariable, EntraApp, Snapshot, SourceError, VaultSecretInfo } from "../snapshot.js";

/** The snapshot as the planner reads it: every list present and in one fixed order. */
export interface CanonicalSnapshot {
  contexts: CiContext[];
  variables: CiVariable[];
  projects: string[];
  apps: EntraApp[];
  /** null when no vault is configured. */
  vaultSecrets: VaultSecretInfo[] | null;
  appPolicies: AppPolicyRead[];
  errors: SourceError[];
}

function byJson<T>(items: readonly T[] | null | undefined): T[] {
  return [...(items ?? [])]
    .map((item) => ({ item, key: JSON.stringify(item) ?? "" }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ item }) => item);
}

/**
 * Sorts every list by content so the plan depends only on what the sources hold, not on the order they
 * listed it in (pages, parallel reads); also where a source lists the same thing twice, the same copy wins.
 * Lists are defaulted because hand-built and partially-read snapshots are not always complete objects.
 */
export function canonicalSnapshot(snapshot: Snapshot): CanonicalSnapshot {
  const apps = (snapshot.entra?.apps ?? []).map((app) => ({
    ...app,
    passwords: byJson<AppPassword>(app.passwords),
    certificates: byJson<AppCertificate>(app.certificates),
  }));
  return {
    contexts: byJson(snapshot.circleci?.contexts),
    variables: byJson(snapshot.circleci?.variables),
    projects: byJson(snapshot.circleci?.projects),
    apps: byJson(apps),
    vaultSecrets: snapshot.keyVault ? byJson(snapshot.keyVault.secrets) : null,
    appPolicies: byJson(snapshot.appPolicies),
    errors: byJson(snapshot.errors),
  };
}
