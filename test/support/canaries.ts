import type { WorldSpec } from "../../sandbox/world/spec.js";

/**
 * Every secret value a world holds: password values, CircleCI variable values that look secret, vault values,
 * the CircleCI token, the identity header. Outputs must contain none of them.
 */
export function secretValuesOf(world: WorldSpec, extra: string[] = []): string[] {
  const values = new Set<string>(extra);
  values.add(world.circleci.token);
  values.add(world.entra.managedIdentity.identityHeader);
  for (const app of world.entra.applications) for (const p of app.passwordCredentials) values.add(p.secretText);
  for (const c of world.circleci.contexts) for (const v of c.variables) values.add(v.value);
  for (const p of world.circleci.projects) for (const v of p.variables) values.add(v.value);
  for (const s of world.keyVault.secrets) for (const v of s.versions) values.add(v.value);
  // Identifiers stored as variable values (client ids, tenant ids, regions) are not secrets and appear in output by design.
  const identifiers = new Set<string>([world.entra.tenantId, ...world.entra.applications.map((a) => a.appId)]);
  return [...values].filter((v) => v.length >= 12 && !identifiers.has(v) && !/^[0-9a-f-]{36}$/i.test(v) && !v.startsWith("https://"));
}

export function leakedSecrets(text: string, secrets: string[]): string[] {
  return secrets.filter((secret) => text.includes(secret));
}
