import type { Severity } from "../alert.js";
import type { Finding, FindingKind, PlanStep, WatchedCredential } from "../finding.js";

const severityRank: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };
const kindRank: Record<FindingKind, number> = { "not-found": 0, expired: 1, expiring: 2, "long-lived": 3, exposed: 4, "permission-missing": 5, drifted: 6, "blocked-by-tenant-policy": 7 };

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Most urgent first: severity, then fewest days left (findings without days last), then credential, then kind. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank[a.severity] - severityRank[b.severity] ||
    (a.daysLeft ?? Number.POSITIVE_INFINITY) - (b.daysLeft ?? Number.POSITIVE_INFINITY) ||
    compareText(a.credential, b.credential) ||
    kindRank[a.kind] - kindRank[b.kind]
  );
}

/** Policy credentials first (by name), then what no policy binds (by derived key). */
export function compareCredentials(a: WatchedCredential, b: WatchedCredential): number {
  return Number(b.bound) - Number(a.bound) || compareText(a.credential, b.credential);
}

export function compareSteps(a: PlanStep, b: PlanStep): number {
  return compareText(a.credential, b.credential) || compareText(a.kind, b.kind);
}
