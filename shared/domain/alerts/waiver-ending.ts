import type { Alert, AlertSource } from "../alert.js";
import type { WaiverStatus } from "../finding.js";
import type { WaiverMatch } from "../policy/waiver-schema.js";
import { alertId } from "./alert-id.js";

/** The waiver's match as one readable key: "context docker-hub / DOCKER_PASSWORD", "app 1111… key 2222…". */
export function describeWaiverMatch(match: WaiverMatch): string {
  if ("credential" in match) return match.credential;
  if ("context" in match) return `context ${match.context} / ${match.variable}`;
  if ("project" in match) return `project ${match.project} / ${match.variable}`;
  return match.keyId ? `app ${match.appId} key ${match.keyId}` : `app ${match.appId}`;
}

function sourceOf(match: WaiverMatch): AlertSource {
  if ("context" in match) return { circleci: { context: match.context, variable: match.variable } };
  if ("project" in match) return { circleci: { project: match.project, variable: match.variable } };
  if ("appId" in match) return { entra: { appId: match.appId, ...(match.keyId ? { keyId: match.keyId } : {}) } };
  return {};
}

/**
 * One alert per waiver in its last 30 days that still waives something. Its id is the waiver's match and end
 * date, so the alert raised again each cycle of those 30 days lands on the same outbox key (kept 30 days after
 * delivery: longer than the rest of the window) and goes out once; a renewed waiver (new date) is news again.
 */
export function waiverEndingAlerts(waivers: readonly WaiverStatus[], now: Date): Alert[] {
  return waivers
    .filter((w) => w.state === "ending" && w.matches > 0)
    .map((w) => {
      const what = describeWaiverMatch(w.match);
      return {
        id: alertId({ kind: "waiver-ending", credential: what, marker: w.until }),
        kind: "waiver-ending",
        severity: "warning",
        credential: `waiver:${what}`,
        title: `The waiver for ${what} ends on ${w.until} ("${w.reason}", accepted by ${w.by})`,
        source: sourceOf(w.match),
        nextStep: `Fix the finding before then, or renew the waiver (waivers[${w.waiver}].until, at most 365 days ahead); after ${w.until} it alerts again.`,
        raisedAt: now.toISOString(),
      } satisfies Alert;
    });
}
