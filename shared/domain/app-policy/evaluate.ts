import { DAY_MS } from "../time.js";
import { shortestDurationMs } from "./duration.js";
import type { AppManagementPolicyRead, AppPolicyEvidence, PasswordRestrictionRead } from "./evidence.js";

/**
 * How far below the policy's maxLifetime a new secret ends: Entra measures the lifetime from its own clock at the
 * request, which may run behind the watchdog's by a little.
 */
export const lifetimeMarginMs = 10 * 60_000;

export type PasswordPolicyVerdict =
  /** New secrets may be added; `lifetimeDays` is validityDays, or the policy's cap (then `note` says so). */
  | { kind: "allowed"; lifetimeDays: number; note?: string }
  /** No new secret can be added (or none long enough to rotate): nothing is minted; `wayOut` says what to do. */
  | { kind: "blocked"; reason: string; wayOut: string }
  /**
   * The policy could not be read, or whether a restriction applies to the watchdog cannot be told (excludeActors,
   * an unknown creation date): a mint is tried — within any lifetime cap read — and Graph's 400 is the answer.
   */
  | { kind: "unknown"; reason: string; lifetimeDays: number; note?: string };

export interface PasswordPolicyRequest {
  credential: string;
  appId: string;
  validityDays: number;
  rotateBeforeDays: number;
  now: Date;
}

type Applies = "yes" | "no" | "maybe";

/** The restrictions in force: the assigned policy replaces the tenant default (applicationauthenticationmethodpolicy overview). */
function inForce(evidence: Extract<AppPolicyEvidence, { readable: true }>): { policy: string; restrictions: PasswordRestrictionRead[] } {
  const assigned: AppManagementPolicyRead | undefined = evidence.assigned[0];
  if (assigned) return { policy: `app management policy ${assigned.id}`, restrictions: assigned.isEnabled ? assigned.passwordCredentials : [] };
  return { policy: "the tenant's default app management policy", restrictions: evidence.tenantDefault.isEnabled ? evidence.tenantDefault.passwordCredentials : [] };
}

function applies(restriction: PasswordRestrictionRead, created: Date | undefined, now: Date): Applies {
  if (restriction.state === "disabled") return "no";
  let verdict: Applies = "yes";
  const from = restriction.restrictForAppsCreatedAfterDateTime ? new Date(restriction.restrictForAppsCreatedAfterDateTime) : undefined;
  if (from && !Number.isNaN(from.getTime())) {
    // An app whose creation date is unknown was created before now: a date still to come cannot catch it.
    if (created ? created < from : from > now) return "no";
    if (!created) verdict = "maybe";
  }
  return restriction.exemptions > 0 ? "maybe" : verdict;
}

const oidcWayOut = (credential: string) =>
  `migrate ${credential} to OIDC federation (set action: oidc with its oidc: block in the policy; the watchdog federates the app and retires the secret), or ask an administrator to exempt the app from the policy`;

/**
 * What the tenant's app management policy allows a rotation of `credential` to mint: pure, `now` a parameter.
 * Unreadable evidence is "unknown", never "allowed".
 */
export function evaluatePasswordPolicy(evidence: AppPolicyEvidence, request: PasswordPolicyRequest): PasswordPolicyVerdict {
  if (!evidence.readable) return { kind: "unknown", reason: `the app management policy could not be read: ${evidence.reason}`, lifetimeDays: request.validityDays };
  const created = evidence.appCreatedDateTime ? new Date(evidence.appCreatedDateTime) : undefined;
  const createdAt = created && !Number.isNaN(created.getTime()) ? created : undefined;
  const { policy, restrictions } = inForce(evidence);
  const uncertain: string[] = [];

  const addition = restrictions.find((r) => r.restrictionType === "passwordAddition");
  const additionApplies = addition ? applies(addition, createdAt, request.now) : "no";
  if (additionApplies === "yes") {
    return {
      kind: "blocked",
      reason: `${policy} blocks new client secrets on app ${request.appId} (passwordAddition)`,
      wayOut: oidcWayOut(request.credential),
    };
  }
  if (additionApplies === "maybe") uncertain.push(`${policy} blocks new client secrets (passwordAddition) unless the watchdog is exempt or the app predates it`);

  let lifetimeDays = request.validityDays;
  let note: string | undefined;
  const lifetime = restrictions.find((r) => r.restrictionType === "passwordLifetime");
  const lifetimeApplies = lifetime ? applies(lifetime, createdAt, request.now) : "no";
  if (lifetime && lifetimeApplies !== "no") {
    const maxMs = lifetime.maxLifetime ? shortestDurationMs(lifetime.maxLifetime) : undefined;
    if (maxMs === undefined) {
      uncertain.push(`${policy} limits secret lifetimes with a maxLifetime the watchdog cannot read (${lifetime.maxLifetime ?? "none"})`);
    } else if (request.validityDays * DAY_MS > maxMs - lifetimeMarginMs) {
      const capped = Math.max(0, maxMs - lifetimeMarginMs) / DAY_MS;
      if (capped <= request.rotateBeforeDays) {
        return {
          kind: "blocked",
          reason: `${policy} allows client secrets of at most ${lifetime.maxLifetime} on app ${request.appId}, not more than rotateBeforeDays (${request.rotateBeforeDays}): every new secret would be due at once`,
          wayOut: `set rotation.rotateBeforeDays of ${request.credential} below ${Math.floor(capped)}, or ${oidcWayOut(request.credential)}`,
        };
      }
      lifetimeDays = capped;
      note = `validityDays ${request.validityDays} capped to ${formatDays(capped)} by ${policy} (passwordLifetime maxLifetime ${lifetime.maxLifetime})`;
    }
  }
  if (uncertain.length > 0) return { kind: "unknown", reason: uncertain.join("; "), lifetimeDays, ...(note ? { note } : {}) };
  return { kind: "allowed", lifetimeDays, ...(note ? { note } : {}) };
}

/** The way out when Graph refused a new secret and the policy could not be read to say why. */
export function refusedWayOut(credential: string): string {
  return (
    `find out what the tenant's app management policy allows for the app (grant the watchdog Policy.Read.All so it can read it and mint within it), ` +
    `then run watchdog rotate ${credential}; or migrate ${credential} to OIDC federation (action: oidc)`
  );
}

/** "89.99 days" — a capped lifetime is rarely a whole number of days. */
export function formatDays(days: number): string {
  const rounded = Math.floor(days * 100) / 100;
  return `${rounded} day${rounded === 1 ? "" : "s"}`;
}
