import type { Finding, WatchedCredential } from "../finding.js";
import { describeExpiry } from "../plan/describe.js";
import { expirySeverity, expiryStatus } from "../plan/expiry.js";
import type { Contribution } from "../plan/plan-inputs.js";
import type { VaultSecretInfo } from "../snapshot.js";
import { daysLeft, parseInstant } from "../time.js";

/** The name under which the watchdog's own CircleCI token shows in plans and alerts. */
export const circleciTokenCredential = "watchdog-circleci-token";

function renewStep(secretName: string): string {
  return (
    "Create a new CircleCI personal API token (User Settings → Personal API Tokens), then store it as a new version of " +
    `Key Vault secret ${secretName} with its expiry (az keyvault secret set --name ${secretName} --file <token file> --expires <date>). ` +
    "Nothing else changes: CIRCLECI_TOKEN references the secret, not a version."
  );
}

/**
 * The watchdog's own CircleCI token, watched through the `exp` of the Key Vault secret CIRCLECI_TOKEN references
 * (`selfWatch.circleciTokenSecret`). CircleCI personal tokens now expire (at most a year): when this one does,
 * every cycle fails. No `exp` makes no finding here (`doctor` says how to set it); an unread vault says nothing.
 */
export function circleciTokenContribution(
  secretName: string | undefined,
  vaultSecrets: VaultSecretInfo[] | null,
  vaultRead: boolean,
  thresholdsDays: readonly number[],
  now: Date,
): Contribution {
  const none: Contribution = { credentials: [], findings: [], steps: [] };
  if (!secretName || !vaultSecrets || !vaultRead) return none;
  const secret = vaultSecrets.find((s) => s.name === secretName);
  const source = { keyVault: { secretName } };
  if (!secret) {
    const finding: Finding = {
      id: `not-found:${circleciTokenCredential}`,
      kind: "not-found",
      severity: "warning",
      credential: circleciTokenCredential,
      bound: true,
      source,
      message: `the CircleCI token's Key Vault secret ${secretName} (selfWatch.circleciTokenSecret) does not exist`,
      nextStep: `Store the token CIRCLECI_TOKEN uses as Key Vault secret ${secretName}, with its expiry, or correct selfWatch.circleciTokenSecret.`,
    };
    return { credentials: [{ credential: circleciTokenCredential, bound: true, action: "watch", source, status: "not-found" }], findings: [finding], steps: [] };
  }
  const expires = parseInstant(secret.expiresOn);
  if (!expires) return { credentials: [{ credential: circleciTokenCredential, bound: true, action: "watch", source, status: "ok" }], findings: [], steps: [] };
  const left = daysLeft(expires, now);
  const status = expiryStatus(left, thresholdsDays);
  const expiresAt = expires.toISOString();
  const watched: WatchedCredential = { credential: circleciTokenCredential, bound: true, action: "watch", source, status, expiresAt, daysLeft: left };
  if (status === "ok") return { credentials: [watched], findings: [], steps: [] };
  const finding: Finding = {
    id: `${status}:${circleciTokenCredential}`,
    kind: status,
    severity: expirySeverity(left, thresholdsDays),
    credential: circleciTokenCredential,
    bound: true,
    source,
    expiresAt,
    daysLeft: left,
    message: `the watchdog's own CircleCI token ${describeExpiry(left, expiresAt)}: when it does, every cycle fails`,
    nextStep: renewStep(secretName),
  };
  return { credentials: [watched], findings: [finding], steps: [] };
}
