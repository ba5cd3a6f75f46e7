import { checkBeforeRetire, driftWaysOut, recordFailure, recordRetired, versionsToDisable } from "../../../domain/rotation/index.js";
import { countedDriftPorts, observeDrift } from "../drift.js";
import type { RotationRun } from "../run.js";
import { listVersions } from "./observe.js";
import { removePasswordConfirmed } from "../confirmed-removal.js";
import { defaultPropagation } from "../options.js";
import { readAppConfirmingAbsence } from "./read-app.js";
import { requireApp } from "./start.js";

/**
 * Why the old secret must stay although the overlap is over: CircleCI holds a value the watchdog did not push
 * (or cannot tell), so the old password may be the one pipelines use. Undefined when retiring is safe.
 */
async function driftHold(run: RotationRun): Promise<string | undefined> {
  const verdict = await observeDrift(countedDriftPorts(run), run.journal);
  if (verdict.state !== "drifted" && verdict.state !== "unknown") return undefined;
  const why = verdict.state === "drifted" ? `drifted: ${verdict.reason}` : `drift unknown: ${verdict.reason}`;
  return `retirement held, ${why}. Ways out: ${driftWaysOut(run.name, run.journal.pushedMark?.version)}`;
}

/**
 * After the overlap, on a complete inventory, and only while CircleCI still holds what the watchdog pushed (no
 * drift): remove the old password(s) and disable the old Key Vault versions; a drift holds it back (the reason is
 * returned). The app is read first: if the new password has gone, nothing is removed and the rotation
 * reconciles (mints again) instead. Both removals are idempotent, so a run that ends half-way is redone.
 */
export async function retireOld(run: RotationRun): Promise<string | undefined> {
  const held = await driftHold(run);
  if (held) {
    run.record("retire", "skipped", held);
    return held;
  }
  const { app } = await readAppConfirmingAbsence(run, "retire", (read) => {
    const check = checkBeforeRetire(run.journal, read.passwords);
    return check.ok ? [] : [check.reason];
  });
  const check = checkBeforeRetire(run.journal, app.passwords);
  if (!check.ok) {
    run.record("retire", "skipped", check.reason);
    // The next action is a reconcile, in this same run.
    await run.save(recordFailure(run.journal, "retire", run.at(), check.reason));
    return undefined;
  }
  await run.perform("retire", async () => {
    const journal = run.journal;
    const { readLagMs } = { ...defaultPropagation, ...run.options.propagation };
    for (const keyId of check.removeKeyIds) {
      await removePasswordConfirmed({
        keyId,
        remove: () => run.call("graph", () => run.ports.directory.removePassword(journal.app.objectId, keyId)),
        readApp: () => requireApp(run, "retire"),
        readLagMs,
      });
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
  return undefined;
}
