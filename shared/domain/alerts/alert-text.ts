import type { AlertSource, Severity } from "../alert.js";

export function days(n: number): string {
  return Math.abs(n) === 1 ? `${n} day` : `${n} days`;
}

/** What kind of credential this is, in the words an owner would use. */
export function credentialNoun(source: AlertSource): string {
  if (source.entra?.credentialType === "certificate") return "certificate";
  if (source.entra) return "client secret";
  if (source.keyVault && !source.circleci) return "Key Vault secret";
  if (source.circleci) return "CircleCI variable";
  return "secret";
}

export function expiringTitle(credential: string, source: AlertSource, daysLeft: number, threshold: number): string {
  return `${credential}: ${credentialNoun(source)} expires in ${days(daysLeft)} (within ${days(threshold)})`;
}

export function expiredTitle(credential: string, source: AlertSource, daysLeft: number | undefined): string {
  const ago = daysLeft !== undefined && daysLeft < 0 ? ` ${days(-daysLeft)} ago` : "";
  return `${credential}: ${credentialNoun(source)} expired${ago}`;
}

export function longLivedTitle(credential: string, ageDays: number | undefined): string {
  const age = ageDays !== undefined ? ` for ${days(ageDays)}` : "";
  return `${credential}: CircleCI variable unchanged${age}`;
}

export function notFoundTitle(credential: string): string {
  return `${credential}: the policy binding points at nothing`;
}

export function exposedTitle(context: string, level: string | undefined, variables: number): string {
  const secrets = variables === 1 ? "1 secret" : `${variables} secrets`;
  return level === "ssh-rerun"
    ? `CircleCI context ${context}: ${secrets} readable from SSH reruns (expression restriction lacks "and not job.ssh.enabled")`
    : `CircleCI context ${context}: ${secrets} usable by every project of the organization (no restriction)`;
}

export function permissionMissingTitle(credential: string, needs: string[]): string {
  return `${credential}: not rotated or federated — the watchdog lacks ${needs.join("; ")}`;
}

export function driftedTitle(credential: string): string {
  return `${credential}: CircleCI value changed outside the watchdog (drifted); the old secret is kept`;
}

export function resolvedTitle(credential: string): string {
  return `${credential}: no longer needs attention`;
}

export function expirySeverity(daysLeft: number | undefined): Severity {
  return daysLeft !== undefined && daysLeft <= 7 ? "critical" : "warning";
}

/** The next step when no finding supplies one. */
export function defaultNextStep(credential: string, bound: boolean, action: string | undefined): string {
  if (!bound) return "Add this credential to the policy (credentials[]) so the watchdog can watch or rotate it.";
  if (action === "oidc") return `Finish the OIDC migration of ${credential}, or run: watchdog rotate ${credential}`;
  return `watchdog rotate ${credential}`;
}
