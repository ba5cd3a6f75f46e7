import { absencesToConfirm, addHistory, reconcile, type ObservedVersion } from "../../../domain/rotation/index.js";
import type { RotationRun } from "../run.js";
import { readAppConfirmingAbsence } from "./read-app.js";

/** The credential's Key Vault versions, metadata only. */
export async function listVersions(run: RotationRun, step: "start" | "mint" | "store" | "reconcile" | "retire"): Promise<ObservedVersion[]> {
  const name = run.credential.keyVault.secretName;
  const versions = await run.read(step, () => run.call("keyvault", () => run.ports.vault.listVersions(name)));
  return versions.map((v) => ({ version: v.version, enabled: v.enabled, tags: v.tags }));
}

/**
 * After an uncertain outcome: read the app and the vault, bring the journal in line (pure `reconcile`),
 * and remove this rotation's orphaned passwords. The removal is journaled as a pending `reconcile`, so a
 * crash in the middle makes the next run look again (orphans are found in the world, not in the journal).
 */
export async function reconcileWithWorld(run: RotationRun, reason: string): Promise<void> {
  const versions = await listVersions(run, "reconcile");
  const { app, reread } = await readAppConfirmingAbsence(run, "reconcile", (read) => absencesToConfirm(run.journal, { passwords: read.passwords, versions }));
  const found = reconcile(run.journal, { passwords: app.passwords, versions }, run.at());
  if (reread) found.findings.unshift("Graph was read again after the read lag before concluding that a password is missing");
  // The journal may now name another stored pair: from here on the value comes from Key Vault by version.
  run.value = undefined;
  const detail = [reason, ...found.findings].join("; ");
  if (found.orphanKeyIds.length === 0) {
    await run.save(found.journal);
    run.record("reconcile", "done", detail);
    await run.audit("rotation.reconciled", { rotationId: found.journal.rotationId, state: found.journal.state, findings: detail });
    return;
  }
  await run.save({ ...found.journal, pending: { step: "reconcile", since: run.at() } });
  for (const keyId of found.orphanKeyIds) {
    await run.read("reconcile", () => run.call("graph", () => run.ports.directory.removePassword(found.journal.app.objectId, keyId)));
    await run.audit("rotation.orphan-removed", { rotationId: found.journal.rotationId, appId: found.journal.app.appId, keyId });
  }
  await run.save(addHistory({ ...run.journal, pending: null }, run.at(), "reconcile", "done", { removedOrphans: found.orphanKeyIds.join(",") }));
  run.record("reconcile", "done", detail);
  await run.audit("rotation.reconciled", { rotationId: found.journal.rotationId, state: found.journal.state, findings: detail });
}
