import { randomUUID } from "node:crypto";
import { chooseRetirement, rotationIdPattern, startJournal, type CiTarget } from "../../../domain/rotation/index.js";
import type { EntraApp } from "../../../domain/snapshot.js";
import { StepFailed, type RotationRun } from "../run.js";
import { settleDeletedSecret } from "./deleted-secret.js";
import { listVersions } from "./observe.js";
import { checkTenantPolicy } from "./tenant-policy.js";

/** The app the credential's secret belongs to; a missing app is a failure of `step`. */
export async function requireApp(run: RotationRun, step: "start" | "reconcile" | "retire"): Promise<EntraApp> {
  const appId = run.credential.entra.appId;
  const app = await run.read(step, () => run.call("graph", () => run.ports.directory.getApplication(appId)));
  if (!app) throw new StepFailed(step, `no Entra application with appId ${appId}`);
  return app;
}

/**
 * The CircleCI target, and proof that the token's user may manage it: listing the variables is the closest
 * side-effect-free look at a write (a context restricted to a security group the user is not in answers 403 or
 * 404, as a project the user cannot administer does). A failure here stops the rotation before the mint.
 */
async function ciTarget(run: RotationRun): Promise<CiTarget> {
  const binding = run.credential.circleci;
  if ("project" in binding) {
    await run.read("start", () => run.call("circleci", () => run.ports.ci.listProjectVariables(binding.project))).catch((error: unknown) => {
      throw new StepFailed("start", `CircleCI project ${binding.project} cannot be managed with this token (${describeFailure(error)}): nothing was minted`);
    });
    return { kind: "project", project: binding.project, variable: binding.variable };
  }
  const contexts = await run.read("start", () => run.call("circleci", () => run.ports.ci.listContexts()));
  const context = contexts.find((c) => c.name === binding.context);
  if (!context) throw new StepFailed("start", `no CircleCI context named ${binding.context}: nothing was minted`);
  await run.read("start", () => run.call("circleci", () => run.ports.ci.listContextVariables(context))).catch((error: unknown) => {
    throw new StepFailed("start", `CircleCI context ${binding.context} cannot be managed with this token (${describeFailure(error)}): nothing was minted`);
  });
  return { kind: "context", context: binding.context, contextId: context.id, variable: binding.variable };
}

const describeFailure = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Takes the "before" picture and opens a new journal: the app (object id and passwords), the Key Vault
 * versions and the CircleCI target. Everything is checked before anything is minted, so a rotation that
 * could never be pushed does not begin.
 */
export async function startRotation(run: RotationRun): Promise<void> {
  const rotationId = run.options.newRotationId?.() ?? randomUUID();
  if (!rotationIdPattern.test(rotationId)) throw new StepFailed("start", `rotation id ${JSON.stringify(rotationId)} is not ${rotationIdPattern}`);
  const app = await requireApp(run, "start");
  // Before anything is journaled or minted: what the tenant's app management policy lets a new secret be.
  const verdict = await checkTenantPolicy(run, app);
  const lifetime = verdict.note ? { days: verdict.lifetimeDays, note: verdict.note } : null;
  const live = await listVersions(run, "start");
  // A name with no live version may be held by a soft-deleted secret: settle that before anything is minted.
  const versions = live.length > 0 ? live : await settleDeletedSecret(run);
  const ci = await ciTarget(run);
  const retire = chooseRetirement({ credential: run.name, appId: app.appId, passwords: app.passwords, versions, appAlsoBoundBy: run.options.appAlsoBoundBy });
  const at = run.at();
  await run.save(
    startJournal({
      credential: run.name,
      rotationId,
      trigger: run.options.manual ? "manual" : "plan",
      reason: run.options.reason ?? (run.options.manual ? "requested" : "due"),
      actor: run.options.actor,
      at,
      app: { appId: app.appId, objectId: app.objectId },
      vault: { secretName: run.credential.keyVault.secretName },
      ci,
      retire,
      previous: run.handle.journal,
      lifetime,
    }),
  );
  run.value = undefined;
  const notes = [retire.note, lifetime?.note, verdict.kind === "unknown" ? `may be refused: ${verdict.reason}` : undefined].filter(Boolean);
  run.record("start", "done", `rotation ${rotationId}${notes.map((n) => `; ${n}`).join("")}`);
  await run.audit("rotation.started", {
    rotationId,
    appId: app.appId,
    trigger: run.options.manual ? "manual" : "plan",
    retireKeyIds: retire.keyIds.join(",") || null,
    retireVersions: retire.versions.join(",") || null,
    note: retire.note ?? null,
    lifetime: lifetime?.note ?? null,
  });
}
