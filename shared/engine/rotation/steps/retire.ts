import { checkBeforeRetire, recordFailure, recordRetired, versionsToDisable } from "../../../domain/rotation/index.js";
import type { RotationRun } from "../run.js";
import { listVersions } from "./observe.js";
import { readAppConfirmingAbsence } from "./read-app.js";

/**
 * After the overlap, on a complete inventory: remove the old password(s) and disable the old Key Vault
 * versions. The app is read first: if the new password has gone, nothing is removed and the rotation
 * reconciles (mints again) instead. Both removals are idempotent, so a run that ends half-way is redone.
 */
export async function retireOld(run: RotationRun): Promise<void> {
  const { app } = await readAppConfirmingAbsence(run, "retire", (read) => {
    const check = checkBeforeRetire(run.journal, read.passwords);
    return check.ok ? [] : [check.reason];
  });
  const check = checkBeforeRetire(run.journal, app.passwords);
  if (!check.ok) {
    run.record("retire", "skipped", check.reason);
    // The next action is a reconcile, in this same run.
    await run.save(recordFailure(run.journal, "retire", run.at(), check.reason));
    return;
  }
  await run.perform("retire", async () => {
    const journal = run.journal;
    for (const keyId of check.removeKeyIds) {
      await run.call("graph", () => run.ports.directory.removePassword(journal.app.objectId, keyId));
    }
    const versions = versionsToDisable(journal, await listVersions(run, "retire"));
    for (const version of versions) {
      await run.call("keyvault", () => run.ports.vault.setVersionEnabled(journal.vault.secretName, version, false));
    }
    await run.save(recordRetired(run.journal, run.at(), { removedKeyIds: check.removeKeyIds, disabledVersions: versions }));
    run.record("retire", "done", `removed ${check.removeKeyIds.join(",") || "no password"}; disabled ${versions.join(",") || "no version"}`);
    await run.audit("rotation.retired", {
      rotationId: journal.rotationId,
      appId: journal.app.appId,
      removedKeyIds: check.removeKeyIds.join(",") || null,
      disabledVersions: versions.join(",") || null,
      newKeyId: journal.minted?.keyId ?? null,
    });
  });
}
