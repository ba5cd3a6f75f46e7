import { nextAction, type RotationJournal } from "../../domain/rotation/index.js";
import type { PolicyCredential, RotateCredential } from "../../domain/policy/index.js";
import type { WatchdogPorts } from "../../ports/index.js";
import { runUnderLease, type LeaseAnswers } from "../journaled/run.js";
import { observeDrift } from "./drift.js";
import { loadJournal } from "./journal-store.js";
import { isRotateCredential, rotationPrecondition, type RotateOptions, type RotationPorts } from "./options.js";
import type { RotationBusy, RotationOutcome, RotationResult } from "./outcome.js";
import { RotationRun } from "./run.js";
import { mintPassword } from "./steps/mint.js";
import { reconcileWithWorld } from "./steps/observe.js";
import { pushToCircleci } from "./steps/push.js";
import { retireOld } from "./steps/retire.js";
import { startRotation } from "./steps/start.js";
import { BlockedByTenantPolicy } from "./steps/tenant-policy.js";
import { blockedRetryAt } from "../../domain/rotation/index.js";
import { refusedWayOut } from "../../domain/app-policy/index.js";
import { storeInVault } from "./steps/store.js";
import { verifyNewSecret } from "./steps/verify.js";

// A clean run takes at most start, mint, store, verify, push; a reconcile can send it back to mint once.
const maxActionsPerRun = 16;

const noCalls = { graph: 0, keyvault: 0, circleci: 0, entra: 0 };

function nothingDone(credential: string): RotationResult {
  return { credential, state: "none", steps: [], apiCalls: 0, apiCallsBySystem: { ...noCalls } };
}

function failed(credential: string, step: NonNullable<RotationResult["failure"]>["step"], message: string): RotationResult {
  return { ...nothingDone(credential), failure: { step, message } };
}

export const rotationAnswers: LeaseAnswers<RotationResult, RotationBusy> = {
  activity: "rotation",
  doing: "rotating",
  failed,
  // A run that lost the race half-way has no expiry to tell.
  busy: (credential, heldBy, until, message) => ({ credential, busy: true, heldBy, ...(until === undefined ? {} : { until }), message }),
};

/** Set on a manual request when CircleCI holds a hand-set value since the push of this rotation (its id). */
type DriftAware = RotateOptions & { driftedRotationId?: string };

/** Drift concerns the rotation it was seen on: the new rotation it starts is not drifted. */
function decisionContext(credential: RotateCredential, options: DriftAware, journal: RotationJournal | null) {
  const drifted = options.driftedRotationId !== undefined && journal?.rotationId === options.driftedRotationId;
  return { now: options.now(), manual: options.manual, snapshotComplete: options.snapshotComplete, policy: credential.rotation, drifted };
}

async function advance(run: RotationRun): Promise<RotationResult> {
  run.handle = await loadJournal(run.ports.state, run.name);
  for (let taken = 0; taken < maxActionsPerRun; taken++) {
    const action = nextAction(run.handle.journal, { ...decisionContext(run.credential, run.options, run.handle.journal), valueInMemory: run.value !== undefined });
    switch (action.kind) {
      case "idle":
        return run.result({ note: action.reason });
      case "wait":
        return run.result({ waitingUntil: action.until, note: `waiting: ${action.reason}` });
      case "start":
        try {
          await startRotation(run);
        } catch (error) {
          if (!(error instanceof BlockedByTenantPolicy)) throw error;
          run.record("start", "skipped", error.reason);
          return run.result({ blocked: { reason: error.reason, wayOut: error.wayOut }, note: `blocked: ${error.reason}` });
        }
        break;
      case "reconcile":
        await reconcileWithWorld(run, action.reason);
        break;
      case "mint":
        await mintPassword(run);
        if (run.journal.state === "blocked") {
          const retryAt = blockedRetryAt(run.journal)?.toISOString();
          const reason = run.journal.blocked?.reason ?? "Graph refused the new client secret";
          return run.result({ blocked: { reason, wayOut: refusedWayOut(run.name), ...(retryAt ? { retryAt } : {}) }, note: `blocked: ${reason}` });
        }
        break;
      case "store":
        await storeInVault(run);
        break;
      case "verify":
        await verifyNewSecret(run);
        break;
      case "push":
        await pushToCircleci(run);
        break;
      case "retire": {
        const held = await retireOld(run);
        if (held) return run.result({ note: held });
        if (run.journal.state === "retired") return run.result();
        break;
      }
    }
  }
  return run.result({ failure: { step: run.handle.journal?.pending?.step ?? "journal", message: `no progress after ${maxActionsPerRun} actions in one run` } });
}

/**
 * The answer of a run with nothing to do — the next action is to wait (the overlap, an incomplete inventory)
 * or there is no rotation to start — read from the journal alone: no lease, no call. Null when the run has
 * work (calls) to do; a journal that cannot be read is a failure answer.
 */
export async function answerFromJournal(ports: Pick<WatchdogPorts, "state">, credential: RotateCredential, options: DriftAware): Promise<RotationResult | null> {
  let peek;
  try {
    peek = await loadJournal(ports.state, credential.name);
  } catch (error) {
    return failed(credential.name, "journal", error instanceof Error ? error.message : String(error));
  }
  const planned = nextAction(peek.journal, { ...decisionContext(credential, options, peek.journal), valueInMemory: false });
  if (planned.kind !== "wait" && planned.kind !== "idle") return null;
  return {
    ...nothingDone(credential.name),
    ...(peek.journal ? { rotationId: peek.journal.rotationId, state: peek.journal.state } : {}),
    ...(planned.kind === "wait" ? { waitingUntil: planned.until, note: `waiting: ${planned.reason}` } : { note: planned.reason }),
  };
}

/**
 * The rotation whose pushed value CircleCI no longer holds (set by hand since), if any. A journal or read that
 * fails says none: the run then answers from the journal as usual and reports what it could not read.
 */
async function driftedRotation(state: WatchdogPorts["state"], ports: RotationPorts, name: string): Promise<string | undefined> {
  try {
    const { journal } = await loadJournal(state, name);
    if (journal?.state !== "pushed") return undefined;
    return (await observeDrift(ports, journal)).state === "drifted" ? journal.rotationId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Advances one credential's rotation as far as it can in this run: starts one if none is in progress (and
 * one is due or asked for), resumes the journal otherwise, and retires the old secret once the overlap has
 * passed on a complete inventory. Never throws for a failing step: the result names the step and the error.
 */
export async function rotateCredential(ports: WatchdogPorts, credential: PolicyCredential, rotateOptions: RotateOptions): Promise<RotationOutcome> {
  let options: DriftAware = rotateOptions;
  const problem = rotationPrecondition(ports, credential);
  if (problem || !isRotateCredential(credential) || !ports.vault) return failed(credential.name, "start", problem ?? "not a rotate credential");
  const rotationPorts: RotationPorts = { ci: ports.ci, directory: ports.directory, tester: ports.tester, state: ports.state, vault: ports.vault };

  // Most runs find nothing to do (the overlap lasts many cycles): they answer from the journal, without
  // taking the lease or touching anything.
  // A person asking to rotate a credential whose CircleCI value was changed by hand gets a new rotation.
  if (options.manual) {
    const driftedRotationId = await driftedRotation(ports.state, rotationPorts, credential.name);
    if (driftedRotationId) options = { ...options, driftedRotationId };
  }
  const answered = await answerFromJournal(ports, credential, options);
  if (answered) return answered;

  return underRotationLease(rotationPorts, credential, options, advance);
}

/** Runs `work` on a credential under its rotation lease: rotating and repushing never run at once. */
export function underRotationLease(
  ports: RotationPorts,
  credential: RotateCredential,
  options: RotateOptions,
  work: (run: RotationRun) => Promise<RotationResult>,
): Promise<RotationOutcome> {
  return runUnderLease(ports.state, credential.name, credential.name, options, rotationAnswers, (lease, ttlMs) => new RotationRun(ports, credential, options, lease, ttlMs), work);
}
