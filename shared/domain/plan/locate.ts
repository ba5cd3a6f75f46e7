import type { CircleciBinding } from "../policy/index.js";
import type { CiVariable, EntraApp, VaultSecretInfo } from "../snapshot.js";
import type { CanonicalSnapshot } from "./canonical-snapshot.js";

/** The snapshot's CircleCI variable a policy binding names. Variable names are case-sensitive in CircleCI. */
export function findVariable(snapshot: CanonicalSnapshot, binding: CircleciBinding): CiVariable | undefined {
  return snapshot.variables.find((variable) => {
    if (variable.name !== binding.variable) return false;
    if ("context" in binding) return variable.scope?.kind === "context" && variable.scope.contextName === binding.context;
    return variable.scope?.kind === "project" && variable.scope.projectSlug === binding.project;
  });
}

export function contextExists(snapshot: CanonicalSnapshot, contextName: string): boolean {
  return snapshot.contexts.some((context) => context.name === contextName);
}

/** GUIDs compare case-insensitively (the policy lower-cases them; Graph normally does too). */
export function findApp(snapshot: CanonicalSnapshot, appId: string): EntraApp | undefined {
  const wanted = appId.toLowerCase();
  return snapshot.apps.find((app) => String(app.appId ?? "").toLowerCase() === wanted);
}

export function findVaultSecret(snapshot: CanonicalSnapshot, secretName: string): VaultSecretInfo | undefined {
  return snapshot.vaultSecrets?.find((secret) => secret.name === secretName);
}

/** When a CircleCI variable last changed: contexts report updatedAt; project variables often only createdAt. */
export function lastChanged(variable: CiVariable): string | undefined {
  return variable.updatedAt ?? variable.createdAt;
}
