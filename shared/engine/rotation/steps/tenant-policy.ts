import { evaluatePasswordPolicy, type PasswordPolicyVerdict } from "../../../domain/app-policy/index.js";
import type { EntraApp } from "../../../domain/snapshot.js";
import type { RotationRun } from "../run.js";

/** The tenant's app management policy forbids the new secret: the run ends before anything is journaled or minted. */
export class BlockedByTenantPolicy extends Error {
  override readonly name = "BlockedByTenantPolicy";

  constructor(
    readonly reason: string,
    readonly wayOut: string,
  ) {
    super(reason);
  }
}

/**
 * Reads the app management policy that governs the app (one Graph read, no side effect) and judges what a new
 * secret may be: blocked throws before anything is minted; a lifetime cap is returned for the journal.
 */
export async function checkTenantPolicy(run: RotationRun, app: EntraApp): Promise<Exclude<PasswordPolicyVerdict, { kind: "blocked" }>> {
  const evidence = await run.read("start", () => run.call("graph", () => run.ports.directory.readAppPolicy(app.objectId)));
  const verdict = evaluatePasswordPolicy(evidence, {
    credential: run.name,
    appId: app.appId,
    validityDays: run.credential.rotation.validityDays,
    rotateBeforeDays: run.credential.rotation.rotateBeforeDays,
    now: run.options.now(),
  });
  if (verdict.kind === "blocked") throw new BlockedByTenantPolicy(verdict.reason, verdict.wayOut);
  return verdict;
}
