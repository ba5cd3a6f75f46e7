/** Where a credential lives, as an alert names it. Names only — never a value. */
export interface AlertSource {
  circleci?: { context?: string; project?: string; variable: string };
  entra?: { appId: string; appName?: string; keyId?: string; credentialType?: "password" | "certificate" };
  keyVault?: { secretName: string };
}

/** Every kind of alert (the published schemas and the stored outbox accept exactly these). */
export const alertKinds = [
  "expiring", // days left crossed a policy threshold
  "expired",
  "long-lived", // a CircleCI variable older than inventory.maxAgeDays
  "not-found", // a policy binding points at nothing
  "exposed", // a CircleCI context holding secrets that every project (or an SSH rerun) can use
  "permission-missing", // a due rotation or migration not started: the watchdog lacks a permission it needs
  "drifted", // a rotated credential's CircleCI value was changed outside the watchdog
  "resolved", // a credential that needed attention no longer does
  "rotation-failed",
  "migration",
  "watchdog-failing", // the watchdog's own cycles keep failing (selfWatch.alertAfterFailedCycles)
  "waiver-ending", // a policy waiver ends within 30 days
  "vault-changed", // a Key Vault secret the watchdog keeps got a version the watchdog did not write
  "broker-refusals", // a burst of refused OIDC broker exchanges
  "blocked-by-tenant-policy", // the tenant's app management policy forbids a rotation's new client secret
] as const;

export type AlertKind = (typeof alertKinds)[number];

export type Severity = "critical" | "warning" | "info";

export interface Alert {
  /** Stable for one alert (credential, kind, threshold, expiry): the webhook-id and de-duplication key. */
  id: string;
  kind: AlertKind;
  severity: Severity;
  /** Policy credential name, or a derived key for what no policy binds ("entra:<appId>:<keyId>", "circleci:<scope>:<var>"). */
  credential: string;
  /** One line a human reads first. */
  title: string;
  source: AlertSource;
  daysLeft?: number;
  ageDays?: number;
  expiresAt?: string;
  threshold?: number;
  /** What to do next: a command, or a policy snippet to add. */
  nextStep: string;
  raisedAt: string;
}
