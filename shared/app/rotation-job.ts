import type { RotationResult } from "../engine/rotation/index.js";
import { isBusy } from "../engine/rotation/index.js";
import type { RotationJobMessage } from "../ports/state-store.js";
import { raisePoisonAlert } from "./poison-alert.js";
import { UnknownCredentialError, type Watchdog } from "./watchdog.js";

/** host.json `extensions.queues.maxDequeueCount`; the host moves a message to `<queue>-poison` after this many failures. */
export const defaultMaxDequeueCount = 5;

/** The host's limit: host.json's value, unless an app setting overrides it the way the host reads overrides. */
export function maxDequeueCountOf(env: Record<string, string | undefined>): number {
  const override = Number(env.AzureFunctionsJobHost__extensions__queues__maxDequeueCount);
  return Number.isInteger(override) && override > 0 ? override : defaultMaxDequeueCount;
}

export type RotationJobResult =
  | { kind: "done"; outcome: RotationResult }
  /** Another run holds the credential's lease and does the work. */
  | { kind: "busy"; message: string }
  /** The credential left the policy (or is no longer rotated) since the job was queued: nothing to do, ever. */
  | { kind: "dropped"; message: string };

/** The job failed; the host retries the message unless `lastAttempt` (then it goes to the poison queue). */
export class RotationJobFailed extends Error {
  constructor(
    message: string,
    readonly step: string,
    readonly lastAttempt: boolean,
  ) {
    super(message);
    this.name = "RotationJobFailed";
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * One rotation-jobs message: advances that credential's rotation as a cycle would (`manual: false`, on the
 * cycle's inventory the message carries, which lets it retire while that inventory is fresh). The
 * journal and the lease make it idempotent: a second delivery finds the rotation done or waiting (no calls)
 * or held by the first (busy). A failure throws RotationJobFailed so the host retries; on the last attempt a
 * poison alert goes out first, because after it nobody retries the message.
 */
export async function runRotationJob(watchdog: Watchdog, job: RotationJobMessage, attempt: { dequeueCount: number; maxDequeueCount: number }): Promise<RotationJobResult> {
  let failure: { step: string; message: string };
  try {
    const answer = await watchdog.rotate(job.credential, { actor: "queue", manual: false, inventory: job.inventory });
    if (answer.dryRun) throw new Error("unreachable: a job is never a dry run");
    const outcome = answer.outcome;
    if (isBusy(outcome)) return { kind: "busy", message: outcome.message };
    if (!outcome.failure) return { kind: "done", outcome };
    failure = { step: outcome.failure.step, message: outcome.failure.message };
  } catch (error) {
    if (error instanceof UnknownCredentialError) return { kind: "dropped", message: error.issues.join("; ") };
    failure = { step: "rotate", message: messageOf(error) };
  }

  const lastAttempt = attempt.dequeueCount >= attempt.maxDequeueCount;
  let after = `attempt ${attempt.dequeueCount} of ${attempt.maxDequeueCount}, the host retries it`;
  if (lastAttempt) {
    try {
      const raised = await raisePoisonAlert(watchdog, job, { ...failure, attempts: attempt.dequeueCount });
      after = `last attempt: poison alert ${raised.alertId} raised (${raised.sent} sink(s) reached), the host moves the message to the poison queue`;
    } catch (error) {
      after = `last attempt: the poison alert could not be raised (${messageOf(error)}), the host moves the message to the poison queue`;
    }
  }
  throw new RotationJobFailed(`rotation job ${job.jobId} (${job.credential}) failed at step "${failure.step}": ${failure.message}; ${after}`, failure.step, lastAttempt);
}
