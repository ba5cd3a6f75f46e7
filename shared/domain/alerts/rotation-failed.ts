import type { Alert, AlertSource } from "../alert.js";
import { alertId } from "./alert-id.js";

/**
 * A rotation that could not finish this cycle. One alert per rotation and failed step: a step that keeps
 * failing cycle after cycle is reported once (the outbox keeps delivered ids), a new step failing is news.
 */
export function rotationFailedAlert(input: {
  credential: string;
  rotationId?: string;
  step: string;
  message: string;
  source: AlertSource;
  now: Date;
}): Alert {
  return {
    id: alertId({ kind: "rotation-failed", credential: input.credential, marker: `${input.rotationId ?? "none"}:${input.step}` }),
    kind: "rotation-failed",
    severity: "critical",
    credential: input.credential,
    title: `${input.credential}: rotation stopped at step "${input.step}"`,
    source: input.source,
    nextStep: `The next cycle resumes it. If it keeps failing: ${input.message} — then run \`watchdog rotate ${input.credential}\`.`,
    raisedAt: input.now.toISOString(),
  };
}
