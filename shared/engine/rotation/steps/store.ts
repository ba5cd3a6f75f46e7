import { recordStored, rotationVaultTags } from "../../../domain/rotation/index.js";
import { answeredStatus } from "../../../ports/ci-secret-store.js";
import { vaultRefusalOf, type VaultSecretVersion } from "../../../ports/vault.js";
import { StepFailed, type RotationRun } from "../run.js";
import { settleDeletedSecretMidRotation } from "./deleted-secret.js";

/**
 * setSecret, once more after settling a deleted secret that took the name while this rotation minted: a soft
 * delete still running at start leaves the name looking free (Key Vault lists it as deleted only once the
 * deletion ends), and the set is then refused with ObjectIsDeletedButRecoverable.
 */
async function setSettlingDeletion(run: RotationRun, set: () => Promise<VaultSecretVersion>): Promise<VaultSecretVersion> {
  try {
    return await run.call("keyvault", set);
  } catch (error) {
    if (vaultRefusalOf(error) !== "name-held-by-deleted-secret") throw error;
  }
  await settleDeletedSecretMidRotation(run, "store");
  return run.call("keyvault", set);
}

/** Key Vault: a new version of the credential's secret, before the value goes anywhere else. */
export async function storeInVault(run: RotationRun): Promise<void> {
  await run.perform("store", async () => {
    const journal = run.journal;
    const value = run.value;
    if (!journal.minted || !value) throw new StepFailed("store", "no minted value in this run to store");
    const tags = rotationVaultTags({ appId: journal.app.appId, keyId: journal.minted.keyId, rotationId: journal.rotationId, credential: run.name });
    let stored: VaultSecretVersion;
    try {
      stored = await setSettlingDeletion(run, () =>
        run.ports.vault.setSecret(journal.vault.secretName, value, { expiresOn: journal.minted!.endDateTime, tags: { ...tags }, contentType: "text/plain" }),
      );
    } catch (error) {
      // Whether the identity may set secrets cannot be checked without a write. A 401/403 is an answer before
      // any effect: the value went nowhere, so the password minted for it is removed now, not left for a later run.
      const status = answeredStatus(error);
      if (status !== 401 && status !== 403) throw error;
      const keyId = journal.minted.keyId;
      await run.call("graph", () => run.ports.directory.removePassword(journal.app.objectId, keyId));
      await run.audit("rotation.orphan-removed", { rotationId: journal.rotationId, appId: journal.app.appId, keyId });
      throw new StepFailed("store", `${run.describe(error)}; the password minted for it (key ${keyId}) was removed`);
    }
    await run.save(recordStored(run.journal, run.at(), stored.version));
    run.record("store", "done", `version ${stored.version}`);
    await run.audit("rotation.stored", {
      rotationId: journal.rotationId,
      secretName: journal.vault.secretName,
      version: stored.version,
      keyId: journal.minted.keyId,
    });
  });
}
