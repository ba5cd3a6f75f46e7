/**
 * Entra app management policies as the emulator holds and enforces them on `addPassword`.
 *
 * Sources (Microsoft Graph v1.0 reference, learn.microsoft.com):
 * - tenantAppManagementPolicy ("Tenant-wide application authentication method policy … applies to all apps and
 *   service principals unless overridden when an appManagementPolicy is applied to the object"; `isEnabled`
 *   defaults to false; `applicationRestrictions` for application objects and `servicePrincipalRestrictions` for
 *   service principals): https://learn.microsoft.com/en-us/graph/api/resources/tenantappmanagementpolicy
 * - appManagementPolicy ("If this resource is not configured for an application or service principal, the
 *   restrictions default to the settings in the tenantAppManagementPolicy object"):
 *   https://learn.microsoft.com/en-us/graph/api/resources/appmanagementpolicy
 * - "Microsoft Entra application authentication methods API overview" (applicationauthenticationmethodpolicy):
 *   "When both the tenant default policy and an app management policy exist, the app management policy takes
 *   precedence and the assigned application … doesn't inherit from the tenant default policy. Only one policy
 *   can be assigned to an application"; policies "block token issuance" for nobody — they bite when a secret is
 *   added.
 * - passwordCredentialConfiguration: `restrictionType` (passwordAddition, passwordLifetime, customPasswordAddition,
 *   symmetricKeyAddition, symmetricKeyLifetime), `maxLifetime` (ISO 8601 duration, required for passwordLifetime),
 *   `state` (enabled / disabled: "If disabled, the restriction isn't evaluated or enforced"),
 *   `restrictForAppsCreatedAfterDateTime` ("applies to apps created on or after"; null: every app), `excludeActors`
 *   (custom security attribute exemptions: "calls the user or service principal makes … are exempt"):
 *   https://learn.microsoft.com/en-us/graph/api/resources/passwordcredentialconfiguration
 */

export type PasswordRestrictionType = "passwordAddition" | "passwordLifetime" | "customPasswordAddition" | "symmetricKeyAddition" | "symmetricKeyLifetime";

/** One custom security attribute an actor may carry to be exempt (customSecurityAttributeStringValueExemption). */
export interface ActorExemption {
  /** "<attribute set>_<attribute name>", as Graph writes it. */
  id: string;
  operator: "equals";
  value: string;
}

export interface PasswordRestriction {
  restrictionType: PasswordRestrictionType;
  /** Absent in older answers (the property came later): then the restriction is enforced. */
  state?: "enabled" | "disabled";
  /** ISO 8601 duration, for the lifetime restrictions. */
  maxLifetime?: string | null;
  restrictForAppsCreatedAfterDateTime?: string | null;
  excludeActors?: { customSecurityAttributes: ActorExemption[] } | null;
}

export interface AppManagementRestrictions {
  passwordCredentials: PasswordRestriction[];
  keyCredentials: unknown[];
}

export interface TenantAppManagementPolicy {
  isEnabled: boolean;
  applicationRestrictions: AppManagementRestrictions;
  servicePrincipalRestrictions: AppManagementRestrictions;
}

export interface AssignedAppManagementPolicy {
  id: string;
  displayName: string;
  isEnabled: boolean;
  restrictions: AppManagementRestrictions;
  /** Object ids of the applications it is assigned to (`appliesTo`). */
  appliesTo: string[];
}

export const noRestrictions = (): AppManagementRestrictions => ({ passwordCredentials: [], keyCredentials: [] });

/** The tenant default of a new tenant: it "always exists and is disabled by default". */
export function defaultTenantPolicy(): TenantAppManagementPolicy {
  return { isEnabled: false, applicationRestrictions: noRestrictions(), servicePrincipalRestrictions: noRestrictions() };
}

// Units as Graph's Duration (xs:duration) spells them. Years and months have no fixed length and Microsoft does
// not say how Entra counts them: the emulator counts as .NET's XmlConvert.ToTimeSpan does (365 and 30 days); the
// product counts a month as 28 days, so what it asks for is within every reading (sandbox/README.md, unknowns).
const durationPattern = /^P(?!$)(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?=\d)(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

export function durationMs(text: string): number | undefined {
  const m = durationPattern.exec(text);
  if (!m) return undefined;
  const n = (i: number) => Number(m[i] ?? 0);
  const day = 86_400_000;
  return n(1) * 365 * day + n(2) * 30 * day + n(3) * 7 * day + n(4) * day + n(5) * 3_600_000 + n(6) * 60_000 + n(7) * 1000;
}

/** Whether a restriction applies to an app created at `createdAt` and to this caller. */
function applies(restriction: PasswordRestriction, createdAt: string, actorAttributes: readonly ActorExemption[]): boolean {
  if (restriction.state === "disabled") return false;
  const from = restriction.restrictForAppsCreatedAfterDateTime;
  if (from && Date.parse(createdAt) < Date.parse(from)) return false;
  const exemptions = restriction.excludeActors?.customSecurityAttributes ?? [];
  const exempt = exemptions.some((e) => actorAttributes.some((a) => a.id === e.id && a.value === e.value));
  return !exempt;
}

/**
 * The password restrictions in force for an application: its assigned policy when it has one (enabled or
 * not: the assigned app "doesn't inherit from the tenant default policy"), else the tenant default's
 * applicationRestrictions when the tenant default is enabled.
 */
export function effectiveRestrictions(tenant: TenantAppManagementPolicy, assigned: AssignedAppManagementPolicy | undefined): PasswordRestriction[] {
  if (assigned) return assigned.isEnabled ? assigned.restrictions.passwordCredentials : [];
  return tenant.isEnabled ? tenant.applicationRestrictions.passwordCredentials : [];
}

export type PasswordRefusal = { restriction: "passwordAddition" } | { restriction: "passwordLifetime"; maxLifetime: string; policyId: string };

/** Why Entra refuses to add this password, or undefined when it may be added. */
export function refusePassword(input: {
  restrictions: PasswordRestriction[];
  policyId: string;
  appCreatedAt: string;
  actorAttributes: readonly ActorExemption[];
  startMs: number;
  endMs: number;
}): PasswordRefusal | undefined {
  for (const restriction of input.restrictions) {
    if (!applies(restriction, input.appCreatedAt, input.actorAttributes)) continue;
    if (restriction.restrictionType === "passwordAddition") return { restriction: "passwordAddition" };
    if (restriction.restrictionType === "passwordLifetime" && restriction.maxLifetime) {
      const max = durationMs(restriction.maxLifetime);
      if (max !== undefined && input.endMs - input.startMs > max) return { restriction: "passwordLifetime", maxLifetime: restriction.maxLifetime, policyId: input.policyId };
    }
  }
  return undefined;
}
