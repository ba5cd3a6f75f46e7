import type { Finding, WatchedCredential } from "../finding.js";
import { driftWaysOut, type DriftVerdict } from "../rotation/drift.js";

/** One rotated credential's drift, as the engine observed it. */
export interface DriftFact {
  credential: string;
  verdict: DriftVerdict;
  /** The Key Vault version the watchdog pushed. */
  version?: string;
}

/**
 * A `drifted` finding for each bound credential whose CircleCI value changed outside the watchdog: pipelines no
 * longer use the value it vouches for, and retiring the old secret could remove the one they do use. A drift that
 * could not be checked is said on the credential (`unchecked`), never taken for in sync.
 */
export function applyDrift(credentials: WatchedCredential[], facts: readonly DriftFact[]): Finding[] {
  const findings: Finding[] = [];
  for (const fact of facts) {
    const watched = credentials.find((c) => c.bound && c.credential === fact.credential);
    if (!watched) continue;
    if (fact.verdict.state !== "untracked") watched.drift = fact.verdict.state;
    if (fact.verdict.state === "unknown") {
      watched.unchecked = [...(watched.unchecked ?? []), `drift: ${fact.verdict.reason}`];
      continue;
    }
    if (fact.verdict.state !== "drifted") continue;
    findings.push({
      id: `drifted:${fact.credential}`,
      kind: "drifted",
      severity: "critical",
      credential: fact.credential,
      bound: true,
      source: watched.source,
      ...(fact.verdict.changedAt ? { changedAt: fact.verdict.changedAt } : {}),
      message: `${fact.credential}: ${fact.verdict.reason}; pipelines no longer use the value the watchdog vouches for, and the old secret is not retired while this lasts`,
      nextStep: `${driftWaysOut(fact.credential, fact.version)}.`,
    });
  }
  return findings;
}
