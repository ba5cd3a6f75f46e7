import type { Alert } from "../alert.js";
import { alertId } from "./alert-id.js";

/**
 * Many refused broker exchanges in one window: someone probing the anonymous endpoint with tokens, or pipelines
 * broken by a policy or CircleCI change. One alert per window (its id is the window's).
 */
export function brokerRefusalsAlert(input: { windowStart: Date; windowMinutes: number; refusals: number; now: Date }): Alert {
  return {
    id: alertId({ kind: "broker-refusals", credential: "broker", marker: input.windowStart.toISOString() }),
    kind: "broker-refusals",
    severity: "warning",
    credential: "broker",
    title: `OIDC broker: ${input.refusals} refused exchanges within ${input.windowMinutes} minutes from ${input.windowStart.toISOString()}`,
    source: {},
    nextStep: "Read the broker.refused entries of the audit (the report's audit table names the rule each failed, the project, user and branch): a pipeline misconfigured, a policy change, or someone probing the endpoint.",
    raisedAt: input.now.toISOString(),
  };
}
