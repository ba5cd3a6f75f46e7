import type { Alert } from "../alert.js";
import type { PolicyCredential } from "../policy/index.js";
import { alertId } from "./alert-id.js";
import { policySourceOf } from "./policy-source.js";

/**
 * A rotation-jobs message that failed on its last delivery: the Functions host moves it to
 * `rotation-jobs-poison` and nobody retries it. A "rotation-failed" alert, one per job (its id is the job's),
 * so a re-raise after a crash lands on the same outbox key and receivers de-duplicate it.
 */
export function rotationJobPoisonedAlert(input: {
  /** The credential name the job named; `credential` is its policy entry when it still has one. */
  job: { credential: string; jobId: string };
  credential?: PolicyCredential;
  attempts: number;
  step: string;
  message: string;
  now: Date;
}): Alert {
  const name = input.job.credential;
  return {
    id: alertId({ kind: "rotation-job-poisoned", credential: name, marker: input.job.jobId }),
    kind: "rotation-failed",
    severity: "critical",
    credential: name,
    title: `${name}: rotation job ${input.job.jobId} gave up after ${input.attempts} attempts at step "${input.step}"`,
    source: input.credential ? policySourceOf(input.credential) : {},
    nextStep: `The message is in the rotation-jobs-poison queue; the next timer cycle resumes the rotation. If it keeps failing: ${input.message} — then run \`watchdog rotate ${name}\`.`,
    raisedAt: input.now.toISOString(),
  };
}
