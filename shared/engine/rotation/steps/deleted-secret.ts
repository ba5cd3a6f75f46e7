import { ownEnabledVersions, writtenForCredential, type ObservedVersion, type RotationStep } from "../../../domain/rotation/index.js";
import { StepFailed, type RotationRun } from "../run.js";
import { listVersions } from "./observe.js";

/**
 * The credential's Key Vault secret has no live version: is its name held by a soft-deleted secret? Key Vault
 * refuses to reuse such a name (setSecret answers 409 Conflict, inner code ObjectIsDeletedButRecoverable) until it
 * is recovered or purged, so minting first would make a password that could never be stored — every cycle.
 *
 * Ours (its tags name this credential): recovered, waited for, and its versions returned, so the rotation
 * retires them as usual. Someone else's: the step stops, naming the two ways out.
 *
 * `step` is "start" (found before minting), "store" (a soft delete that was still running at start: the name
 * read as free then, and Key Vault refused the set once the deletion ended) or "mint" (minting again after such a
 * store failed). The secret is never purged.
 */
export async function settleDeletedSecret(run: RotationRun, step: Extract<RotationStep, "start" | "mint" | "store"> = "start"): Promise<ObservedVersion[]> {
  const name = run.credential.keyVault.secretName;
  const deleted = await run.read(step, () => run.call("keyvault", () => run.ports.vault.getDeletedSecret(name)));
  if (!deleted) return [];
  const when = [deleted.deletedOn && `deleted ${deleted.deletedOn}`, deleted.scheduledPurgeOn && `Key Vault purges it on ${deleted.scheduledPurgeOn}`].filter(Boolean).join("; ");
  if (!writtenForCredential(deleted.tags, { name: run.name, appId: run.credential.entra.appId })) {
    throw new StepFailed(
      step,
      `Key Vault secret "${name}" exists only as a deleted secret${when ? ` (${when})` : ""} whose tags do not say the watchdog wrote it for ` +
        `credential ${run.name}; Key Vault refuses to reuse its name, so ${step === "store" ? "the minted password was not stored (the next run removes it, and mints no other until the name is free)" : "nothing was minted"}. Either recover it ` +
        `(\`az keyvault secret recover --vault-name <vault> --name ${name}\`) or purge it (\`az keyvault secret purge --vault-name <vault> --name ${name}\`, ` +
        `which destroys it for good), or give the credential another keyVault.secretName; the next cycle then rotates`,
    );
  }
  await run.read(step, () => run.call("keyvault", () => run.ports.vault.recoverDeletedSecret(name)));
  run.record(step, "done", `recovered the deleted Key Vault secret ${name}${when ? ` (${when})` : ""}: it was this credential's`);
  await run.audit("rotation.vault-recovered", { secretName: name, deletedOn: deleted.deletedOn ?? null });
  return listVersions(run, step);
}

/**
 * After the rotation started: settles a deleted secret holding the name (see `settleDeletedSecret`) and adds the
 * recovered versions, which hold old values, to those disabled at retire, as if start had seen them.
 */
export async function settleDeletedSecretMidRotation(run: RotationRun, step: "mint" | "store"): Promise<void> {
  const recovered = await settleDeletedSecret(run, step);
  const retire = run.journal.retire;
  const versions = [...new Set([...retire.versions, ...ownEnabledVersions(run.name, recovered).map((v) => v.version)])];
  if (versions.length !== retire.versions.length) await run.save({ ...run.journal, retire: { ...retire, versions } });
}
