import { randomUUID } from "node:crypto";
import { chooseRetirement, rotationIdPattern, startJournal, type CiTarget } from "../../../domain/rotation/index.js";
import type { EntraApp } from "../../../domain/snapshot.js";
import { StepFailed, type RotationRun } from "../run.js";
import { settleDeletedSecret } from "./deleted-secret.js";
import { listVersions } from "./observe.js";

/** The app the credential's secret belongs to; a missing app is a failure of `step`. */
export async function requireApp(run: RotationRun, step: "start" | "reconcile" | "retire"): Promise<EntraApp> {
  const appId = run.credential.entra.appId;
  const app = await run.read(step, () => run.call("graph", () => run.ports.directory.getApplication(appId)));
  if (!app) throw new StepFailed(step, `no Entra application with appId ${appId}`);
  return app;
}

async function ciTarget(run: RotationRun): Promise<CiTarget> {
  const binding = run.credential.circleci;
  if ("project" in binding) return { kind: "project", project: binding.project, variable: binding.variable };
  const contexts = await run.read("start", () => run.call("circleci", () => run.ports.ci.listContexts()));
  const context = contexts.find((c) => c.name === binding.context);
  if (!context) throw new StepFailed("start", `no CircleCI context named ${binding.context}: nothing was minted`);
  return { kind: "context", context: binding.context, contextId: context.id, variable: binding.variable };
}

/**
 * Takes the "before" picture and opens a new journal: the app (object id and passwords), the Key Vault
 * versions and the CircleCI target. Everything is checked before anything is minted, so a rotation that
 * could never be pushed does not begin.
 */
export async function startRotation(run: RotationRun): Promise<void> {
  const rotationId = run.options.newRotationId?.() ?? randomUUID();
  if (!rotationIdPattern.test(rotationId)) throw new StepFailed("start", `rotation id ${JSON.stringify(rotationId)} is not ${rotationIdPattern}`);
  const app = await requireApp(run, "start");
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
    }),
  );
  run.value = undefined;
  run.record("start", "done", `rotation ${rotationId}${retire.note ? `; ${retire.note}` : ""}`);
  await run.audit("rotation.started", {
    rotationId,
    appId: app.appId,
    trigger: run.options.manual ? "manual" : "plan",
    retireKeyIds: retire.keyIds.join(",") || null,
    retireVersions: retire.versions.join(",") || null,
    note: retire.note ?? null,
  });
}
