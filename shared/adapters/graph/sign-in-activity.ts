import type { z } from "zod";
import { parseIsoDateTime } from "../../domain/time.js";
import type { SignInEvidence } from "../../ports/directory.js";
import type { credentialSignInActivityAnswerSchema } from "./graph-schemas.js";

type Answer = z.infer<typeof credentialSignInActivityAnswerSchema>;

const sameId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * The latest sign-in of one password in Graph's answer: a collection (`value`, as the list call documents) or
 * one object (as the get call's "by keyId" example shows). Timestamps come in several ISO 8601 spellings
 * (the docs show `…T00:00:00-8:00`); one that cannot be read makes the evidence unavailable — skipping it
 * would make a secret used yesterday look quiet. The result is normalised to UTC (`toISOString`).
 */
export function latestSignIn(answer: Answer, appId: string, keyId: string): SignInEvidence {
  const activities = "value" in answer ? answer.value : [answer];
  let latest: Date | undefined;
  for (const activity of activities) {
    if (!sameId(activity.keyId, keyId) || (activity.appId !== undefined && !sameId(activity.appId, appId))) continue;
    const text = activity.signInActivity?.lastSignInDateTime;
    if (text === null || text === undefined || text === "") continue;
    const at = parseIsoDateTime(text);
    if (!at) return { available: false, reason: "Graph sent a lastSignInDateTime that is not an ISO 8601 timestamp" };
    if (!latest || at > latest) latest = at;
  }
  return { available: true, lastSignInDateTime: latest?.toISOString() ?? null };
}
