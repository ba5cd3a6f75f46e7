import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { defaultTlsDir, ensureSandboxTls } from "../sandbox/core/ca.js";
import { TokenRegistry } from "../sandbox/core/tokens.js";
import { DirectoryState, GraphEmulator, defaultTenantPolicy, smallTenantWorld, type PasswordRestriction } from "../sandbox/graph/index.js";

type Json = Record<string, unknown>;
const DAY = 86_400_000;

// The Graph emulator's app management policies on the wire: the reads (Policy.Read.All) and addPassword's refusals.
describe("Graph emulator: app management policies", () => {
  const tokens = new TokenRegistry();
  const now = new Date("2026-12-03T12:00:00Z");
  const state = new DirectoryState(smallTenantWorld(now, { apps: 3 }), () => now);
  const graph = new GraphEmulator({ state, tokens });
  // The managed identity's own token: its grants are enforced (other callers get every role).
  const token = tokens.issue({ audience: "https://graph.microsoft.com", tenantId: state.tenantId, appId: state.managedIdentity.clientId }).token;
  let base: string;
  const app = (i: number) => state.applications[i]!;

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
  };
  const addPassword = (i: number, days: number) =>
    call("POST", `/v1.0/applications/${app(i).id}/addPassword`, { passwordCredential: { displayName: "t", endDateTime: new Date(now.getTime() + days * DAY).toISOString() } });
  const restrict = (restrictions: PasswordRestriction[]) => {
    state.appManagement.tenantDefault = { ...defaultTenantPolicy(), isEnabled: true, applicationRestrictions: { passwordCredentials: restrictions, keyCredentials: [] } };
  };

  beforeAll(async () => {
    base = await graph.start(ensureSandboxTls(defaultTlsDir()));
  });
  beforeEach(() => {
    state.appManagement.tenantDefault = defaultTenantPolicy();
    state.appManagement.policies.splice(0);
    state.managedIdentity.customSecurityAttributes.splice(0);
    graph.policyRefusal = "policy-wording";
    if (!state.managedIdentity.roles.includes("Policy.Read.All")) state.grantRole("Policy.Read.All");
  });
  afterAll(() => graph.close());

  it("answers the tenant default and the per-app policies; without Policy.Read.All 403 Authorization_RequestDenied", async () => {
    restrict([{ restrictionType: "passwordLifetime", state: "enabled", maxLifetime: "P30D", restrictForAppsCreatedAfterDateTime: null }]);
    state.appManagement.policies.push({
      id: "p1",
      displayName: "no secrets",
      isEnabled: true,
      restrictions: { passwordCredentials: [{ restrictionType: "passwordAddition", state: "enabled" }], keyCredentials: [] },
      appliesTo: [app(1).id],
    });
    const tenant = await call("GET", "/v1.0/policies/defaultAppManagementPolicy");
    expect(tenant.status).toBe(200);
    expect(tenant.body).toMatchObject({
      id: "00000000-0000-0000-0000-000000000000",
      isEnabled: true,
      applicationRestrictions: { passwordCredentials: [{ restrictionType: "passwordLifetime", state: "enabled", maxLifetime: "P30D", restrictForAppsCreatedAfterDateTime: null }] },
      servicePrincipalRestrictions: { passwordCredentials: [] },
    });
    expect((await call("GET", "/v1.0/policies/appManagementPolicies")).body.value).toEqual([expect.objectContaining({ id: "p1", isEnabled: true })]);
    expect((await call("GET", `/v1.0/applications/${app(1).id}/appManagementPolicies`)).body.value).toEqual([expect.objectContaining({ id: "p1" })]);
    expect((await call("GET", `/v1.0/applications/${app(0).id}/appManagementPolicies`)).body.value).toEqual([]);
    expect((await call("GET", `/v1.0/applications/${app(0).id}`)).body.createdDateTime).toBe(app(0).createdDateTime);

    state.revokeRole("Policy.Read.All");
    for (const path of ["/v1.0/policies/defaultAppManagementPolicy", "/v1.0/policies/appManagementPolicies", `/v1.0/applications/${app(1).id}/appManagementPolicies`]) {
      const denied = await call("GET", path);
      expect(denied.status).toBe(403);
      expect((denied.body.error as Json).code).toBe("Authorization_RequestDenied");
    }
  });

  it("refuses a password beyond maxLifetime with a 400 (both wordings), and adds one within it", async () => {
    restrict([{ restrictionType: "passwordLifetime", state: "enabled", maxLifetime: "P30D" }]);
    const before = app(0).passwordCredentials.length;
    const refused = await addPassword(0, 31);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: "Request_BadRequest", message: expect.stringMatching(/max value allowed as per assigned policy/) });
    graph.policyRefusal = "generic";
    const generic = await addPassword(0, 31);
    expect(generic.status).toBe(400);
    expect(generic.body.error).toMatchObject({ code: "BadRequest", message: "One or more properties contains invalid values." });
    expect(app(0).passwordCredentials).toHaveLength(before);
    expect((await addPassword(0, 29)).status).toBe(200);
    // A disabled restriction is not enforced; a disabled tenant default enforces nothing.
    restrict([{ restrictionType: "passwordLifetime", state: "disabled", maxLifetime: "P30D" }]);
    expect((await addPassword(0, 60)).status).toBe(200);
    state.appManagement.tenantDefault.isEnabled = false;
    restrict([]);
    expect((await addPassword(0, 365)).status).toBe(200);
  });

  it("passwordAddition: by creation date, exempt actors, and an assigned policy that replaces the tenant default", async () => {
    app(0).createdDateTime = "2019-01-01T00:00:00Z";
    app(1).createdDateTime = "2025-06-01T00:00:00Z";
    restrict([{ restrictionType: "passwordAddition", state: "enabled", restrictForAppsCreatedAfterDateTime: "2024-01-01T00:00:00Z" }]);
    expect((await addPassword(0, 10)).status).toBe(200);
    expect((await addPassword(1, 10)).status).toBe(400);

    // excludeActors: a caller with the named custom security attribute is exempt.
    restrict([
      {
        restrictionType: "passwordAddition",
        state: "enabled",
        excludeActors: { customSecurityAttributes: [{ id: "PolicyExemptions_AppManagementExemption", operator: "equals", value: "ExemptFromAppManagementPolicy" }] },
      },
    ]);
    expect((await addPassword(2, 10)).status).toBe(400);
    state.managedIdentity.customSecurityAttributes.push({ id: "PolicyExemptions_AppManagementExemption", operator: "equals", value: "ExemptFromAppManagementPolicy" });
    expect((await addPassword(2, 10)).status).toBe(200);
    state.managedIdentity.customSecurityAttributes.splice(0);

    // The assigned policy takes precedence and the app does not inherit the tenant default.
    restrict([{ restrictionType: "passwordAddition", state: "enabled" }]);
    state.appManagement.policies.push({ id: "allow", displayName: "allow", isEnabled: true, restrictions: { passwordCredentials: [], keyCredentials: [] }, appliesTo: [app(2).id] });
    expect((await addPassword(2, 10)).status).toBe(200);
    expect((await addPassword(0, 10)).status).toBe(400);
  });
});
