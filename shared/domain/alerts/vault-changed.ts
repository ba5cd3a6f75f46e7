import type { Alert } from "../alert.js";
import type { PolicyCredential } from "../policy/index.js";
import { alertId } from "./alert-id.js";
import { policySourceOf } from "./policy-source.js";

/**
 * A version of a credential's Key Vault secret that the watchdog did not write (someone set the secret by hand,
 * or another tool did). The vault no longer holds the value the watchdog pushed to CircleCI last, so the two may
 * now disagree, and the next rotation supersedes the hand-set value. One alert per version: its id is the version's,
 * so a redelivered event lands on the same outbox key.
 */
export function vaultChangedAlert(input: { credential: PolicyCredential; version: string; createdOn?: string; now: Date }): Alert {
  const { credential, version } = input;
  const secretName = credential.keyVault.secretName;
  const when = input.createdOn ? ` on ${input.createdOn}` : "";
  const rotated = credential.action === "rotate";
  return {
    id: alertId({ kind: "vault-changed", credential: credential.name, marker: version }),
    kind: "vault-changed",
    severity: rotated ? "warning" : "info",
    credential: credential.name,
    title: `${credential.name}: Key Vault secret ${secretName} got version ${version}${when}, not written by the watchdog`,
    source: { ...policySourceOf(credential), keyVault: { secretName } },
    nextStep: rotated
      ? `If the new value is meant to be used, run \`watchdog rotate ${credential.name}\` so that Entra, Key Vault and CircleCI hold one value again; ` +
        `if not, disable version ${version} of ${secretName} in Key Vault. Until then CircleCI keeps the value the watchdog pushed.`
      : `Check who set it and that CircleCI variable ${credential.circleci.variable} holds the value meant to be used.`,
    raisedAt: input.now.toISOString(),
  };
}
