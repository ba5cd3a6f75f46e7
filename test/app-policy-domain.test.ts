import { describe, expect, it } from "vitest";
import { evaluatePasswordPolicy, shortestDurationMs, type AppPolicyEvidence, type PasswordRestrictionRead } from "#shared/domain/app-policy/index.js";

const DAY = 86_400_000;
const now = new Date("2026-12-03T12:00:00Z");
const request = { credential: "prod", appId: "app-1", validityDays: 90, rotateBeforeDays: 14, now };
const restriction = (r: Partial<PasswordRestrictionRead> & { restrictionType: string }): PasswordRestrictionRead => ({
  state: "enabled",
  maxLifetime: null,
  restrictForAppsCreatedAfterDateTime: null,
  exemptions: 0,
  ...r,
});
const tenant = (restrictions: PasswordRestrictionRead[], isEnabled = true): AppPolicyEvidence => ({
  readable: true,
  tenantDefault: { id: "default", isEnabled, passwordCredentials: restrictions },
  assigned: [],
  appCreatedDateTime: "2025-01-01T00:00:00Z",
});

// The pure judgement of what a tenant's app management policy lets a rotation mint.
describe("app management policy evaluation", () => {
  it("reads ISO 8601 durations short: a month as 28 days, a year as 365", () => {
    expect(shortestDurationMs("P90D")).toBe(90 * DAY);
    expect(shortestDurationMs("P4DT12H30M5S")).toBe(4 * DAY + 12 * 3_600_000 + 30 * 60_000 + 5000);
    expect(shortestDurationMs("P1M")).toBe(28 * DAY);
    expect(shortestDurationMs("P1Y")).toBe(365 * DAY);
    expect(shortestDurationMs("90 days")).toBeUndefined();
    expect(shortestDurationMs("P")).toBeUndefined();
  });

  it("unreadable evidence is unknown, never allowed; no restriction is allowed as asked", () => {
    expect(evaluatePasswordPolicy({ readable: false, reason: "Graph answered 403 Authorization_RequestDenied" }, request)).toMatchObject({ kind: "unknown", lifetimeDays: 90 });
    expect(evaluatePasswordPolicy(tenant([]), request)).toEqual({ kind: "allowed", lifetimeDays: 90 });
    expect(evaluatePasswordPolicy(tenant([restriction({ restrictionType: "passwordAddition" })], false), request)).toEqual({ kind: "allowed", lifetimeDays: 90 });
  });

  it("caps the lifetime 10 minutes short of maxLifetime, and blocks when the cap leaves nothing above rotateBeforeDays", () => {
    const capped = evaluatePasswordPolicy(tenant([restriction({ restrictionType: "passwordLifetime", maxLifetime: "P30D" })]), request);
    expect(capped).toMatchObject({ kind: "allowed", note: expect.stringMatching(/validityDays 90 capped to 29\.99 days .*P30D/) });
    expect(capped.kind === "allowed" && capped.lifetimeDays * DAY).toBe(30 * DAY - 10 * 60_000);
    expect(evaluatePasswordPolicy(tenant([restriction({ restrictionType: "passwordLifetime", maxLifetime: "P180D" })]), request)).toEqual({ kind: "allowed", lifetimeDays: 90 });
    expect(evaluatePasswordPolicy(tenant([restriction({ restrictionType: "passwordLifetime", maxLifetime: "P14D" })]), request)).toMatchObject({
      kind: "blocked",
      wayOut: expect.stringMatching(/rotateBeforeDays of prod below 13.*OIDC/),
    });
  });

  it("passwordAddition blocks by creation date and state; an assigned policy replaces the tenant default", () => {
    expect(evaluatePasswordPolicy(tenant([restriction({ restrictionType: "passwordAddition" })]), request)).toMatchObject({ kind: "blocked", wayOut: expect.stringMatching(/OIDC/) });
    expect(evaluatePasswordPolicy(tenant([restriction({ restrictionType: "passwordAddition", state: "disabled" })]), request).kind).toBe("allowed");
    expect(evaluatePasswordPolicy(tenant([restriction({ restrictionType: "passwordAddition", restrictForAppsCreatedAfterDateTime: "2026-01-01T00:00:00Z" })]), request).kind).toBe("allowed");
    const assigned: AppPolicyEvidence = { ...(tenant([restriction({ restrictionType: "passwordAddition" })]) as Extract<AppPolicyEvidence, { readable: true }>), assigned: [{ id: "mine", isEnabled: true, passwordCredentials: [] }] };
    expect(evaluatePasswordPolicy(assigned, request).kind).toBe("allowed");
    const assignedBlocks: AppPolicyEvidence = { ...(tenant([]) as Extract<AppPolicyEvidence, { readable: true }>), assigned: [{ id: "mine", isEnabled: true, passwordCredentials: [restriction({ restrictionType: "passwordAddition" })] }] };
    expect(evaluatePasswordPolicy(assignedBlocks, request)).toMatchObject({ kind: "blocked", reason: expect.stringMatching(/app management policy mine/) });
  });

  it("what may or may not apply is unknown (the mint is tried): exempt actors, an unknown creation date; a date still to come never applies", () => {
    expect(evaluatePasswordPolicy(tenant([restriction({ restrictionType: "passwordAddition", exemptions: 1 })]), request)).toMatchObject({ kind: "unknown" });
    const undated = (date: string): AppPolicyEvidence => ({ ...(tenant([restriction({ restrictionType: "passwordAddition", restrictForAppsCreatedAfterDateTime: date })]) as Extract<AppPolicyEvidence, { readable: true }>), appCreatedDateTime: null });
    expect(evaluatePasswordPolicy(undated("2020-01-01T00:00:00Z"), request).kind).toBe("unknown");
    expect(evaluatePasswordPolicy(undated("2027-01-01T00:00:00Z"), request).kind).toBe("allowed");
    // A lifetime restriction that may apply is applied: a shorter secret is harmless, and within it nothing is refused.
    expect(evaluatePasswordPolicy(tenant([restriction({ restrictionType: "passwordLifetime", maxLifetime: "P30D", exemptions: 1 })]), request)).toMatchObject({ kind: "allowed", note: expect.stringMatching(/capped/) });
  });
});
