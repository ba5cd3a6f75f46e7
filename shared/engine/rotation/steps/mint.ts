import { recordMinted, rotationDisplayName } from "../../../domain/rotation/index.js";
import { DAY_MS } from "../../../domain/time.js";
import type { RotationRun } from "../run.js";

/** Graph addPassword: `endDateTime` = now + validityDays, displayName carrying the credential and rotation id. */
export async function mintPassword(run: RotationRun): Promise<void> {
  await run.perform("mint", async () => {
    const journal = run.journal;
    // Whole seconds: Key Vault keeps `exp` in Unix seconds, and the two must name the same instant.
    const end = run.options.now().getTime() + run.credential.rotation.validityDays * DAY_MS;
    const endDateTime = new Date(Math.floor(end / 1000) * 1000).toISOString();
    const displayName = rotationDisplayName(run.name, journal.rotationId);
    const minted = await run.call("graph", () => run.ports.directory.addPassword(journal.app.objectId, { displayName, endDateTime }));
    run.value = minted.secret;
    const password = { keyId: minted.password.keyId, endDateTime: minted.password.endDateTime ?? endDateTime };
    await run.save(recordMinted(run.journal, run.at(), password));
    run.record("mint", "done", `key ${password.keyId}`);
    await run.audit("rotation.minted", { rotationId: journal.rotationId, appId: journal.app.appId, keyId: password.keyId, endDateTime: password.endDateTime });
  });
}
