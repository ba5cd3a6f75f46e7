import { recordStored, rotationVaultTags } from "../../../domain/rotation/index.js";
import { StepFailed, type RotationRun } from "../run.js";

/** Key Vault: a new version of the credential's secret, before the value goes anywhere else. */
export async function storeInVault(run: RotationRun): Promise<void> {
  await run.perform("store", async () => {
    const journal = run.journal;
    const value = run.value;
    if (!journal.minted || !value) throw new StepFailed("store", "no minted value in this run to store");
    const tags = rotationVaultTags({ appId: journal.app.appId, keyId: journal.minted.keyId, rotationId: journal.rotationId, credential: run.name });
    const stored = await run.call("keyvault", () =>
      run.ports.vault.setSecret(journal.vault.secretName, value, { expiresOn: journal.minted!.endDateTime, tags: { ...tags }, contentType: "text/plain" }),
    );
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
