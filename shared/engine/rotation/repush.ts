import { addHistory, recordRepushed } from "../../domain/rotation/index.js";
import type { PolicyCredential } from "../../domain/policy/index.js";
import type { WatchdogPorts } from "../../ports/index.js";
import { countedDriftPorts, observeDrift } from "./drift.js";
import { loadJournal } from "./journal-store.js";
import { isRotateCredential, rotationPrecondition, type RotateOptions, type RotationPorts } from "./options.js";
import type { RotationOutcome } from "./outcome.js";
import { rotationAnswers, underRotationLease } from "./rotate-credential.js";
import { type RotationRun, StepFailed } from "./run.js";
import { writeToCircleci } from "./steps/push.js";

/**
 * `watchdog rotate <name> --repush`: puts Key Vault's current value (the version the watchdog stored) back into
 * CircleCI after someone changed it there by hand, and records CircleCI's new `updated_at` so the drift clears.
 * Under the rotation lease, journaled (an intent in the history before the write, the new mark after it) and
 * idempotent: while CircleCI holds what the watchdog pushed, nothing is written. A rotation in progress is not
 * touched (finishing it pushes anyway).
 */
export async function repushCredential(ports: WatchdogPorts, credential: PolicyCredential, options: RotateOptions): Promise<RotationOutcome> {
  const problem = rotationPrecondition(ports, credential);
  if (problem || !isRotateCredential(credential) || !ports.vault) return rotationAnswers.failed(credential.name, "lease", problem ?? "not a rotate credential");
  const rotationPorts: RotationPorts = { ci: ports.ci, directory: ports.directory, tester: ports.tester, state: ports.state, vault: ports.vault };
  return underRotationLease(rotationPorts, credential, options, repush);
}

async function repush(run: RotationRun) {
  run.handle = await loadJournal(run.ports.state, run.name);
  const journal = run.handle.journal;
  if (!journal || (journal.state !== "pushed" && journal.state !== "retired") || journal.pending || journal.lastFailure) {
    const where = journal ? `its rotation is at "${journal.state}"${journal.pending || journal.lastFailure ? " with an unfinished step" : ""}` : "it was never rotated";
    return run.result({ failure: { step: "push", message: `nothing to repush: ${where}; \`watchdog rotate ${run.name}\` finishes or starts a rotation, which pushes Key Vault's value` } });
  }
  const verdict = await run.read("push", () => observeDrift(countedDriftPorts(run), journal));
  if (verdict.state === "in-sync") return run.result({ note: `nothing to repush: CircleCI holds Key Vault version ${journal.pushedMark?.version ?? journal.stored?.version ?? "?"}, as the watchdog pushed it` });

  const secretName = journal.vault.secretName;
  const current = await run.read("push", () => run.call("keyvault", () => run.ports.vault.getSecret(secretName)));
  const stored = journal.stored?.version;
  if (!current || current.properties.version !== stored) {
    const found = current ? `its current version is ${current.properties.version}` : "it has no current version";
    return run.result({
      failure: { step: "push", message: `Key Vault secret ${secretName}: ${found}, not ${stored ?? "the one"} the watchdog stored and verified; \`watchdog rotate ${run.name}\` rotates anew` },
    });
  }
  run.value = current.value;
  const why = verdict.state === "drifted" ? verdict.reason : `drift ${verdict.state}: ${verdict.reason}`;
  await run.save(addHistory(run.journal, run.at(), "push", "intent", { repush: true, version: current.properties.version }));
  run.record("push", "intent", `repush of Key Vault version ${current.properties.version} (${why})`);
  let ciUpdatedAt: string | undefined;
  try {
    ciUpdatedAt = await writeToCircleci(run, journal.ci, current.value);
  } catch (error) {
    const message = run.describe(error);
    run.record("push", "failed", message);
    // The world is as before or holds the vault's value: either way the next repush sees it and does the right thing.
    await run.save(addHistory(run.journal, run.at(), "push", "failed", { repush: true, message })).catch(() => undefined);
    throw new StepFailed("push", message);
  }
  await run.save(recordRepushed(run.journal, run.at(), current.properties.version, ciUpdatedAt));
  const target = journal.ci.kind === "context" ? `context ${journal.ci.context}` : `project ${journal.ci.project}`;
  run.record("push", "done", `repushed Key Vault version ${current.properties.version} to ${target} ${journal.ci.variable}`);
  await run.audit("rotation.repushed", {
    rotationId: journal.rotationId,
    version: current.properties.version,
    target: `${target} ${journal.ci.variable}`,
    ciUpdatedAt: ciUpdatedAt ?? null,
    drift: why,
  });
  return run.result({ note: `repushed Key Vault version ${current.properties.version}: CircleCI holds the value the watchdog vouches for again` });
}
