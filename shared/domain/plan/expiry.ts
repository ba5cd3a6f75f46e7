import type { Severity } from "../alert.js";
import type { CredentialStatus } from "../finding.js";

/** Where a secret's days-left stands against the alert thresholds (any order; the policy stores them largest first). */
export function expiryStatus(daysLeft: number, thresholdsDays: readonly number[]): "expired" | "expiring" | "ok" {
  if (daysLeft <= 0) return "expired";
  return thresholdsDays.length > 0 && daysLeft <= Math.max(...thresholdsDays) ? "expiring" : "ok";
}

/** Critical once within the smallest threshold (or expired), a warning before that. */
export function expirySeverity(daysLeft: number, thresholdsDays: readonly number[]): Severity {
  return daysLeft <= 0 || (thresholdsDays.length > 0 && daysLeft <= Math.min(...thresholdsDays)) ? "critical" : "warning";
}

const statusRank: Record<CredentialStatus, number> = { "not-found": 0, expired: 1, expiring: 2, "long-lived": 3, ok: 4 };

/** A credential shows its most urgent problem. */
export function worstStatus(statuses: readonly CredentialStatus[]): CredentialStatus {
  return statuses.reduce<CredentialStatus>((worst, status) => (statusRank[status] < statusRank[worst] ? status : worst), "ok");
}
