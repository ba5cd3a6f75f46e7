import type { WatchedCredential } from "../domain/finding.js";

/**
 * What a person calls a credential: its policy name, or for one no policy binds the thing itself (the CircleCI
 * variable, the Entra app's secret) instead of the derived key ("entra:<appId>:<keyId>") the plan uses.
 */
export function credentialLabel(credential: WatchedCredential): string {
  if (credential.bound) return credential.credential;
  const { circleci, entra } = credential.source;
  if (entra) return `${entra.appName ?? entra.appId} ${entra.credentialType === "certificate" ? "certificate" : "secret"}`;
  if (circleci) return circleci.variable;
  return credential.credential;
}
