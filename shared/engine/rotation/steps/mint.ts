import { recordBlocked, recordMinted, rotationDisplayName } from "../../../domain/rotation/index.js";
import { DAY_MS } from "../../../domain/time.js";
import { PasswordRefused } from "../../../ports/directory.js";
import type { RotationRun } from "../run.js";
import { settleDeletedSecretMidRotation } from "./deleted-secret.js";
import { listVersions } from "./observe.js";

/**
 * A store of this rotation failed before: if the name has no live version, a deleted secret may hold it (a soft
 * delete that was still running at start). Settled before minting again, so that a name Key Vault will not take
 * back costs no password per cycle.
 */
async function settleNameAfterFailedStore(run: RotationRun): Promise<void> {
  const journal = run.journal;
  const storeFailed = journal.history.some((h) => h.rotationId === journal.rotationId && h.step === "store" && h.outcome === "failed");
  if (!storeFailed || (await listVersions(run, "mint")).length > 0) return;
  await settleDeletedSecretMidRotation(run, "mint");
}

/**
 * Graph addPassword: `endDateTime` = now + validityDays (or the lifetime the tenant's policy allows, chosen at
 * start), displayName carrying the credential and rotation id. A 400 ends the rotation as blocked: nothing
 * was added, so nothing is left behind, and it is not retried until `blockedRetryHours` or a person asks.
 */
export async function mintPassword(run: RotationRun): Promise<void> {
  await run.perform("mint", async () => {
    await settleNameAfterFailedStore(run);
    const journal = run.journal;
    const lifetimeDays = journal.lifetime?.days ?? run.credential.rotation.validityDays;
    // Whole seconds: Key Vault keeps `exp` in Unix seconds, and the two must name the same instant.
    const end = run.options.now().getTime() + lifetimeDays * DAY_MS;
    const endDateTime = new Date(Math.floor(end / 1000) * 1000).toISOString();
    const displayName = rotationDisplayName(run.name, journal.rotationId);
    let minted;
    try {
      minted = await run.call("graph", () => run.ports.directory.addPassword(journal.app.objectId, { displayName, endDateTime }));
    } catch (error) {
      if (!(error instanceof PasswordRefused)) throw error;
      const reason = `${error.message}: the tenant's app management policy most likely forbids it (a lifetime beyond its maxLifetime, or no new client secrets on app ${journal.app.appId}); nothing was added`;
      await run.save(recordBlocked(run.journal, run.at(), reason));
      run.record("mint", "refused", reason);
      await run.audit("rotation.blocked", { rotationId: journal.rotationId, appId: journal.app.appId, status: error.status, code: error.code });
      return;
    }
    run.value = minted.secret;
    const password = { keyId: minted.password.keyId, endDateTime: minted.password.endDateTime ?? endDateTime };
    await run.save(recordMinted(run.journal, run.at(), password));
    run.record("mint", "done", `key ${password.keyId}${journal.lifetime ? `, until ${password.endDateTime}: ${journal.lifetime.note}` : ""}`);
    await run.audit("rotation.minted", { rotationId: journal.rotationId, appId: journal.app.appId, keyId: password.keyId, endDateTime: password.endDateTime });
  });
}
