import type { WatchedCredential } from "../domain/finding.js";
import type { CredentialProgress, ReportInput } from "./report-input.js";

/** The policy's default alert thresholds (contract §2), used when the caller does not pass its policy's. */
export const defaultThresholdsDays: readonly number[] = [30, 14, 7, 3, 1];

export interface ReportTotals {
  watched: number;
  /** Watched credentials no policy binds. */
  unbound: number;
  expired: number;
  /** Ascending thresholds, each with the credentials that have 1..N days left. */
  within: Array<{ days: number; count: number }>;
  longLived: number;
  notFound: number;
  /** Contexts with an exposed finding; unknown: contexts whose restrictions could not be read. */
  exposed: number;
  exposureUnknown: number;
  /** Rotated credentials whose CircleCI value changed outside the watchdog; unknown: whose drift could not be read. */
  drifted: number;
  driftUnknown: number;
  rotationsDue: number;
  migrationsDue: number;
  rotating: number;
  migrating: number;
  federated: number;
}

/** A password the rotation machinery is retiring raises nothing, so it counts in no total and has no mark. */
export function countsTowardExpiry(credential: WatchedCredential): boolean {
  return credential.retiring !== true && credential.daysLeft !== undefined;
}

export function isExpired(credential: WatchedCredential): boolean {
  if (credential.retiring === true) return false;
  return credential.status === "expired" || (credential.daysLeft !== undefined && credential.daysLeft <= 0);
}

export function isRotating(progress: CredentialProgress | undefined): boolean {
  return progress?.rotation !== undefined && progress.rotation !== "retired";
}

export function isMigrating(progress: CredentialProgress | undefined): boolean {
  return progress?.migration === "planned" || progress?.migration === "federated" || progress?.migration === "waiting";
}

/** Federated means CircleCI jobs can log in with OIDC: the credentials exist, whether or not the secret is gone yet. */
export function isFederated(progress: CredentialProgress | undefined): boolean {
  return progress?.migration === "federated" || progress?.migration === "waiting" || progress?.migration === "retired";
}

export function sortedThresholds(thresholds: readonly number[] | undefined): number[] {
  return [...new Set(thresholds ?? defaultThresholdsDays)].filter((d) => Number.isFinite(d) && d > 0).sort((a, b) => a - b);
}

export function reportTotals(input: Pick<ReportInput, "plan" | "thresholdsDays" | "states">): ReportTotals {
  const { plan } = input;
  const credentials = plan.credentials;
  const left = credentials.filter((c) => countsTowardExpiry(c) && !isExpired(c)).map((c) => c.daysLeft ?? Number.POSITIVE_INFINITY);
  const progress = Object.values(input.states ?? {});
  return {
    watched: credentials.length,
    unbound: credentials.filter((c) => !c.bound).length,
    expired: credentials.filter(isExpired).length,
    within: sortedThresholds(input.thresholdsDays).map((days) => ({ days, count: left.filter((d) => d <= days).length })),
    longLived: credentials.filter((c) => c.status === "long-lived").length,
    notFound: credentials.filter((c) => c.status === "not-found").length,
    exposed: plan.findings.filter((f) => f.kind === "exposed").length,
    exposureUnknown: (plan.exposure ?? []).filter((e) => e.level === "unknown").length,
    drifted: plan.findings.filter((f) => f.kind === "drifted").length,
    driftUnknown: credentials.filter((c) => c.drift === "unknown").length,
    rotationsDue: plan.steps.filter((s) => s.kind === "rotate").length,
    migrationsDue: plan.steps.filter((s) => s.kind === "migrate").length,
    rotating: progress.filter(isRotating).length,
    migrating: progress.filter(isMigrating).length,
    federated: progress.filter(isFederated).length,
  };
}
