import { DAY_MS, HOUR_MS, parseInstant, parseIsoDateTime } from "../time.js";

/** What the directory says about one password's sign-ins (the Directory port's SignInEvidence, with its key). */
export type KeyEvidence = { keyId: string } & ({ available: true; lastSignInDateTime: string | null } | { available: false; reason: string });

export type EvidenceVerdict =
  /** No sign-in with the secret for the whole quiet period: it may go. */
  | { kind: "quiet"; lastSignInDateTime: string | null }
  /** Used too recently, or the quiet period since the pipeline change has not passed yet. */
  | { kind: "waiting"; lastSignInDateTime: string | null; retireEarliestAt: string; reason: string }
  /** The tenant cannot tell (no P1/P2 licence, 403): never retired on this; `periodEndsAt` is when the quiet period since the pipeline change ends. */
  | { kind: "unavailable"; reason: string; periodEndsAt: string };

/**
 * Whether the client secret is unused. Quiet means: no sign-in with any of its passwords for
 * `quietDays`, counted from the later of the last sign-in and the moment the pipeline change was
 * published — a pipeline that runs weekly has not proven anything by being quiet before it was told to switch.
 *
 * The sign-in report is an aggregate that arrives late, so quiet days are counted only up to
 * `now - reportingLagMs`: a sign-in the report does not show yet cannot make the period look longer than it is.
 * A timestamp that cannot be read makes the evidence unavailable, never quiet.
 */
export function judgeEvidence(input: { keys: KeyEvidence[]; quietDays: number; waitingSince: string; now: Date; reportingLagMs: number }): EvidenceVerdict {
  const published = parseInstant(input.waitingSince) ?? input.now;
  const periodEndsAt = new Date(published.getTime() + input.quietDays * DAY_MS).toISOString();
  const missing = input.keys.find((key) => !key.available);
  if (missing && !missing.available) return { kind: "unavailable", reason: missing.reason, periodEndsAt };

  let last: Date | undefined;
  for (const key of input.keys) {
    if (!key.available || key.lastSignInDateTime === null) continue;
    const at = parseIsoDateTime(key.lastSignInDateTime);
    if (!at) return { kind: "unavailable", reason: `the last sign-in of key ${key.keyId} is not an ISO 8601 timestamp`, periodEndsAt };
    if (!last || at > last) last = at;
  }
  const lastSignInDateTime = last?.toISOString() ?? null;
  const from = last && last > published ? last : published;
  const earliest = new Date(from.getTime() + input.quietDays * DAY_MS + input.reportingLagMs);
  if (input.now.getTime() >= earliest.getTime()) return { kind: "quiet", lastSignInDateTime };
  const lag = input.reportingLagMs > 0 ? `, plus the sign-in report's lag of ${input.reportingLagMs / HOUR_MS} h,` : "";
  const reason =
    last && last > published
      ? `the client secret signed in at ${last.toISOString()}: pipelines still use it`
      : `the quiet period of ${input.quietDays} day${input.quietDays === 1 ? "" : "s"} since the pipeline change (${published.toISOString()})${lag} has not passed`;
  return { kind: "waiting", lastSignInDateTime, retireEarliestAt: earliest.toISOString(), reason };
}

/**
 * Whether the evidence itself shows no use of the secret for `quietDays`: its last sign-in (none: never) lies
 * `quietDays` before the time the report can vouch for, `now - reportingLagMs` (the report arrives late). A
 * person's confirmation that the pipelines switched may then stand in for the wait counted from the publication
 * of the pipeline change; it never overrides a sign-in inside that window.
 */
export function quietSinceLastSignIn(input: { lastSignInDateTime: string | null; quietDays: number; now: Date; reportingLagMs: number }): boolean {
  if (input.lastSignInDateTime === null) return true;
  const last = parseInstant(input.lastSignInDateTime);
  if (!last) return false;
  return last.getTime() + input.quietDays * DAY_MS <= input.now.getTime() - input.reportingLagMs;
}
