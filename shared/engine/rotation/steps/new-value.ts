import { sameKeyId } from "../../../domain/rotation/index.js";
import type { SecretValue } from "../../../domain/secret-value.js";
import { vaultRefusalOf } from "../../../ports/vault.js";
import type { RotationRun } from "../run.js";

/**
 * The new value: held since this run minted it, or read back from Key Vault by the journaled version (a
 * run resumed after a crash has nothing else). The version must still carry the new key id.
 */
export async function newValue(run: RotationRun): Promise<SecretValue> {
  if (run.value) return run.value;
  const journal = run.journal;
  if (!journal.stored || !journal.minted) throw new Error(`rotation ${journal.rotationId}: the journal names no stored version`);
  const { secretName } = journal.vault;
  const version = journal.stored.version;
  let read;
  try {
    read = await run.call("keyvault", () => run.ports.vault.getSecret(secretName, version));
  } catch (error) {
    // Unreadable, not missing: the version (and its password) are left alone; reconciliation adopts only enabled versions.
    if (vaultRefusalOf(error) === "version-disabled") {
      throw new Error(`Key Vault secret ${secretName} version ${version} is disabled, so its value cannot be read: nothing was pushed. Enable it to go on (az keyvault secret set-attributes --vault-name <vault> --name ${secretName} --version ${version} --enabled true); otherwise the next run starts the rotation's mint again`);
    }
    throw error;
  }
  if (!read) throw new Error(`Key Vault secret ${secretName} version ${version} is gone`);
  if (!sameKeyId(read.properties.tags.keyId, journal.minted.keyId)) {
    throw new Error(`Key Vault secret ${secretName} version ${version} is tagged with key ${read.properties.tags.keyId ?? "(none)"}, not ${journal.minted.keyId}`);
  }
  run.value = read.value;
  return read.value;
}
