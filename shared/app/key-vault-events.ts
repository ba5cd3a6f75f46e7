import type { CycleReport } from "../engine/cycle.js";
import type { VaultSecretEvent } from "../engine/vault-event.js";
import { BadInputError } from "./errors.js";
import { parseKeyVaultEvent, type KeyVaultEvent, type KeyVaultSecretEventType } from "./key-vault-event.js";
import type { Watchdog } from "./watchdog.js";

export type KeyVaultEventAnswer =
  /** The event could not be read: nothing was asked of anything. */
  | { kind: "invalid"; message: string }
  /** Read, and nothing to do: another type, another vault, a secret no credential keeps, a version the watchdog wrote. */
  | { kind: "ignored"; eventId: string; reason: string }
  | { kind: "handled"; eventId: string; credential: string; foreignVersion?: string; report: CycleReport };

const kinds: Record<KeyVaultSecretEventType, VaultSecretEvent["kind"]> = {
  "Microsoft.KeyVault.SecretNearExpiry": "near-expiry",
  "Microsoft.KeyVault.SecretExpired": "expired",
  "Microsoft.KeyVault.SecretNewVersionCreated": "new-version",
};

/** Parses before anything is opened, so that a malformed event costs no policy read and no call. */
export function readKeyVaultEvent(raw: unknown): { ok: true; event: KeyVaultEvent } | { ok: false; message: string } {
  try {
    return { ok: true, event: parseKeyVaultEvent(raw) };
  } catch (error) {
    if (error instanceof BadInputError) return { ok: false, message: error.issues.join("; ") };
    throw error;
  }
}

/**
 * keyVaultEvents: one Event Grid event from Key Vault. Events of another vault than KEY_VAULT_URL's (Microsoft's
 * guidance: "check the topic … to ensure that it comes from the key vault you're expecting") and of other types are
 * ignored; a secret event runs that credential's part of a cycle (Watchdog.vaultEvent). Names only in every answer.
 */
export async function answerKeyVaultEvent(open: () => Promise<Watchdog>, raw: unknown, actor: string): Promise<KeyVaultEventAnswer> {
  const read = readKeyVaultEvent(raw);
  if (!read.ok) return { kind: "invalid", message: read.message };
  const { event } = read;
  const eventId = event.eventId;
  if (!event.object) return { kind: "ignored", eventId, reason: `event type ${event.type} is not one the watchdog acts on` };
  const watchdog = await open();
  const ours = watchdog.settings.keyVaultName;
  if (!ours) return { kind: "ignored", eventId, reason: "no vault to compare with: KEY_VAULT_URL is unset or its host names no vault (set KEY_VAULT_NAME)" };
  if (event.object.vaultName.toLowerCase() !== ours.toLowerCase()) {
    return { kind: "ignored", eventId, reason: `vault ${event.object.vaultName} is not KEY_VAULT_URL's (${ours})` };
  }
  const outcome = await watchdog.vaultEvent({ kind: kinds[event.type as KeyVaultSecretEventType], secretName: event.object.objectName, version: event.object.version }, { actor });
  if (outcome.kind === "unknown-secret") return { kind: "ignored", eventId, reason: `secret ${outcome.secretName} is no policy credential's` };
  if (outcome.kind === "own-version") return { kind: "ignored", eventId, reason: `version ${outcome.version} of ${outcome.credential}'s secret was written by the watchdog` };
  return { kind: "handled", eventId, credential: outcome.credential, ...(outcome.foreignVersion ? { foreignVersion: outcome.foreignVersion } : {}), report: outcome.report };
}
