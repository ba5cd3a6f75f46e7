import type { Alert } from "../../domain/alert.js";

export interface Fact {
  /** Fixed label written by us: trusted. */
  label: string;
  /** Taken from CircleCI/Entra/Key Vault names: untrusted, escape per format. */
  value: string;
}

/** The facts every chat sink shows, in order: what, where, how urgent. Names only, never a value. */
export function alertFacts(alert: Alert): Fact[] {
  const facts: Fact[] = [{ label: "Credential", value: alert.credential }];
  const { circleci, entra, keyVault } = alert.source;
  if (circleci) {
    const scope = circleci.context !== undefined ? `context ${circleci.context}` : circleci.project !== undefined ? `project ${circleci.project}` : "CircleCI";
    facts.push({ label: "CircleCI", value: `${scope} / ${circleci.variable}` });
  }
  if (entra) {
    facts.push({ label: "Entra app", value: entra.appName ? `${entra.appName} (${entra.appId})` : entra.appId });
    if (entra.keyId) facts.push({ label: entra.credentialType === "certificate" ? "Certificate key id" : "Secret key id", value: entra.keyId });
  }
  if (keyVault) facts.push({ label: "Key Vault secret", value: keyVault.secretName });
  if (alert.daysLeft !== undefined) facts.push({ label: "Days left", value: String(alert.daysLeft) });
  if (alert.expiresAt !== undefined) facts.push({ label: "Expires", value: alert.expiresAt });
  if (alert.ageDays !== undefined) facts.push({ label: "Age", value: `${alert.ageDays} days` });
  facts.push({ label: "Severity", value: alert.severity });
  return facts;
}

export const eventType = (alert: Alert): string => `credential.${alert.kind}`;
