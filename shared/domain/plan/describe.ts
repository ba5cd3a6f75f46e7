import type { AlertSource } from "../alert.js";

/** Human phrases for where a credential lives and how long it has; names only, never a value. */

export function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}

export function describeVariable(circleci: NonNullable<AlertSource["circleci"]>): string {
  const scope = circleci.context !== undefined ? `context ${circleci.context}` : `project ${circleci.project ?? "?"}`;
  return `CircleCI ${scope}, variable ${circleci.variable}`;
}

export function describeApp(entra: NonNullable<AlertSource["entra"]>): string {
  return entra.appName ? `Entra app "${entra.appName}" (${entra.appId})` : `Entra app ${entra.appId}`;
}

export function describeKey(entra: NonNullable<AlertSource["entra"]>): string {
  const what = entra.credentialType === "certificate" ? "certificate" : "client secret";
  return `${what} ${entra.keyId ?? "?"} of ${describeApp(entra)}`;
}

/** "expires in 3 days (2026-12-01)", "expired 2 days ago (…)", "expired less than a day ago (…)". */
export function describeExpiry(daysLeft: number, expiresAt: string): string {
  const date = expiresAt.slice(0, 10);
  if (daysLeft > 0) return `expires in ${plural(daysLeft, "day")} (${date})`;
  if (daysLeft === 0) return `expired less than a day ago (${date})`;
  return `expired ${plural(-daysLeft, "day")} ago (${date})`;
}
