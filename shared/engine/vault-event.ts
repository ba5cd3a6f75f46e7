import { vaultChangedAlert } from "../domain/alerts/index.js";
import type { Alert } from "../domain/alert.js";
import type { PolicyCredential } from "../domain/policy/index.js";
import { writtenForCredential } from "../domain/rotation/index.js";
import type { Vault } from "../ports/vault.js";
import { runCycle, type CycleDependencies, type CycleReport } from "./cycle.js";

/** What Key Vault said about one version of one secret (through Event Grid), already checked to be this vault's. */
export interface VaultSecretEvent {
  kind: "near-expiry" | "expired" | "new-version";
  secretName: string;
  version: string;
}

export type VaultEventOutcome =
  /** No policy credential keeps its value in this secret: nothing to do. */
  | { kind: "unknown-secret"; secretName: string }
  /** A version the watchdog wrote itself (a rotation's store step): the rotation that wrote it carries on. */
  | { kind: "own-version"; credential: string; version: string }
  /** The credential's part of a cycle ran; `foreignVersion` when the event was a version the watchdog did not write. */
  | { kind: "handled"; credential: string; foreignVersion?: string; report: CycleReport };

/** The policy credential whose Key Vault secret this is (Key Vault names are case-insensitive; the policy refuses two credentials on one). */
export function credentialOfSecret(credentials: readonly PolicyCredential[], secretName: string): PolicyCredential | undefined {
  const wanted = secretName.toLowerCase();
  return credentials.find((c) => c.keyVault.secretName.toLowerCase() === wanted);
}

/**
 * Whether the watchdog wrote this version, from the version's tags as Key Vault holds them now (the event is only
 * a hint: anyone who can publish to the endpoint could claim anything). A version that is not listed (deleted since,
 * or unreadable) is not proven ours: it is handled as someone else's, never skipped on trust.
 */
async function writtenByWatchdog(vault: Vault, credential: PolicyCredential, version: string): Promise<boolean> {
  const found = (await vault.listVersions(credential.keyVault.secretName)).find((v) => v.version.toLowerCase() === version.toLowerCase());
  if (!found) return false;
  return found.tags.rotationId !== undefined && writtenForCredential(found.tags, { name: credential.name, appId: credential.entra?.appId ?? "" });
}

/**
 * Reacts to a Key Vault event as the timer would to what it shows, for that credential alone: plan, alert and
 * rotate when due (runCycle with a scope), through the same journal, leases, ledger and outbox as the timer, so a
 * redelivered event, or the timer running at the same moment, does nothing twice. A new version the watchdog did
 * not write also raises a vault-changed alert: CircleCI still holds the value the watchdog pushed.
 */
export async function reactToVaultEvent(
  deps: CycleDependencies,
  event: VaultSecretEvent,
  options: { actor: string; now: () => Date },
): Promise<VaultEventOutcome> {
  const credential = credentialOfSecret(deps.policy.credentials, event.secretName);
  if (!credential) return { kind: "unknown-secret", secretName: event.secretName };
  const alerts: Alert[] = [];
  if (event.kind === "new-version") {
    // Fails (and the event is redelivered) when Key Vault cannot be read: unknown is never taken as ours.
    if (deps.adapters.vault && (await writtenByWatchdog(deps.adapters.vault, credential, event.version))) {
      return { kind: "own-version", credential: credential.name, version: event.version };
    }
    alerts.push(vaultChangedAlert({ credential, version: event.version, now: options.now() }));
  }
  const report = await runCycle(deps, { dryRun: false, actor: options.actor, now: options.now, scope: { credential: credential.name, alerts } });
  return { kind: "handled", credential: credential.name, ...(alerts.length > 0 ? { foreignVersion: event.version } : {}), report };
}
