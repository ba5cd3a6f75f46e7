import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultTlsDir, ensureSandboxTls } from "../sandbox/core/ca.js";
import { TokenRegistry } from "../sandbox/core/tokens.js";
import { DirectoryState, GraphEmulator, graphRouteNames, smallTenantWorld, type DirectoryApp } from "../sandbox/graph/index.js";

type Json = Record<string, unknown>;

// The Graph emulator on the wire, with plain fetch and tokens straight from the registry.
describe("Graph emulator: wire format", () => {
  const tokens = new TokenRegistry();
  const state = new DirectoryState(smallTenantWorld(new Date(), { apps: 5 }));
  const graph = new GraphEmulator({ state, tokens, maxPageSize: 2 });
  const token = tokens.issue({ audience: "https://graph.microsoft.com", tenantId: state.tenantId, appId: state.managedIdentity.clientId }).token;
  const auth = { authorization: `Bearer ${token}` };
  let base: string;

  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`, { headers: auth });
    return { status: response.status, body: response.status === 204 ? {} : ((await response.json()) as Json), headers: response.headers };
  };
  const send = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...auth, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json, headers: response.headers };
  };
  const app = (i: number): DirectoryApp => state.applications[i]!;
  const errorOf = (body: Json) => body.error as { code: string; message: string; innerError: Json };

  beforeAll(async () => {
    base = await graph.start(ensureSandboxTls(defaultTlsDir()));
  });
  afterAll(() => graph.close());

  it("refuses requests without a Graph token, or with a token for another audience, with 401 InvalidAuthenticationToken", async () => {
    const none = await fetch(`${base}/v1.0/applications`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer /);
    const body = (await none.json()) as Json;
    expect(errorOf(body)).toMatchObject({ code: "InvalidAuthenticationToken", message: "Access token is empty." });
    expect(Object.keys(errorOf(body).innerError).sort()).toEqual(["client-request-id", "date", "request-id"]);

    const vaultToken = tokens.issue({ audience: "https://vault.azure.net", tenantId: state.tenantId, appId: "x" }).token;
    const wrong = await fetch(`${base}/v1.0/applications`, { headers: { authorization: `Bearer ${vaultToken}` } });
    expect(wrong.status).toBe(401);
    const forged = await fetch(`${base}/v1.0/applications`, { headers: { authorization: `Bearer ${token.slice(0, -4)}AAAA` } });
    expect(forged.status).toBe(401);
    const otherTenant = tokens.issue({ audience: "https://graph.microsoft.com", tenantId: randomUUID(), appId: "x" }).token;
    expect((await fetch(`${base}/v1.0/applications`, { headers: { authorization: `Bearer ${otherTenant}` } })).status).toBe(401);
  });

  it("pages applications through absolute @odata.nextLink links carrying $skiptoken, honouring $select", async () => {
    const seen: Json[] = [];
    let next: string | undefined = `${base}/v1.0/applications?$select=id,appId,displayName&$top=999`;
    let pages = 0;
    while (next) {
      expect(next.startsWith(`${base}/v1.0/applications?`)).toBe(true);
      const response = await fetch(next, { headers: auth });
      const body = (await response.json()) as Json;
      expect(body["@odata.context"]).toBe(`${base}/v1.0/$metadata#applications(id,appId,displayName)`);
      seen.push(...(body.value as Json[]));
      next = body["@odata.nextLink"] as string | undefined;
      if (next) expect(next).toContain("$skiptoken=");
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen.map((a) => a.appId)).toEqual(state.applications.map((a) => a.appId));
    expect(Object.keys(seen[0]!).sort()).toEqual(["appId", "displayName", "id"]);
    expect(graph.log.count((e) => e.route === graphRouteNames.applicationsList && e.status === 200)).toBeGreaterThanOrEqual(3);

    expect((await get("/v1.0/applications?$top=1000")).status).toBe(400);
    const badSelect = await get("/v1.0/applications?$select=id,secretSauce");
    expect(badSelect.status).toBe(400);
    expect(errorOf(badSelect.body).message).toContain("secretSauce");
  });

  it("filters on appId, startswith(displayName) and tags/any", async () => {
    const byAppId = await get(`/v1.0/applications?$filter=${encodeURIComponent(`appId eq '${app(3).appId}'`)}`);
    expect((byAppId.body.value as Json[]).map((a) => a.id)).toEqual([app(3).id]);
    const byName = await get(`/v1.0/applications?$filter=${encodeURIComponent("startswith(displayName,'APP-1')")}`);
    expect((byName.body.value as Json[]).map((a) => a.displayName)).toEqual(["app-1"]);
    const byTag = await get(`/v1.0/applications?$top=999&$filter=${encodeURIComponent("tags/any(t:t eq 'ci')")}`);
    expect(byTag.body.value as Json[]).toHaveLength(2);
    expect(byTag.body["@odata.nextLink"]).toContain("$filter=");
    const both = await get(`/v1.0/applications?$filter=${encodeURIComponent(`tags/any(t:t eq 'ci') and displayName eq 'app-2'`)}`);
    expect((both.body.value as Json[]).map((a) => a.displayName)).toEqual(["app-2"]);
    const unsupported = await get(`/v1.0/applications?$filter=${encodeURIComponent("displayName gt 'a'")}`);
    expect(unsupported.status).toBe(400);
    expect(errorOf(unsupported.body).code).toBe("Request_UnsupportedQuery");
  });

  it("addresses one application by object id or (appId='…'), encoded or not", async () => {
    const target = app(1);
    for (const path of [
      `/v1.0/applications/${target.id}`,
      `/v1.0/applications(appId='${target.appId}')`,
      `/v1.0/applications(appId=%27${target.appId}%27)`,
      `/v1.0/applications%28appId%3D%27${target.appId}%27%29`,
      `/beta/applications(appId='${target.appId}')`,
    ]) {
      const { status, body } = await get(path);
      expect(status, path).toBe(200);
      expect(body).toMatchObject({ id: target.id, appId: target.appId, displayName: target.displayName });
    }
    const missing = await get(`/v1.0/applications(appId='${randomUUID()}')`);
    expect(missing.status).toBe(404);
    expect(errorOf(missing.body).code).toBe("Request_ResourceNotFound");
  });

  it("returns secretText only from addPassword; reads show a 3-character hint and secretText null", async () => {
    const target = app(0);
    const endDateTime = new Date(Date.now() + 90 * 86_400_000).toISOString();
    const added = await send("POST", `/v1.0/applications/${target.id}/addPassword`, { passwordCredential: { displayName: "rotation r-1", endDateTime } });
    expect(added.status).toBe(200);
    const secretText = added.body.secretText as string;
    expect(secretText).toMatch(/^[A-Za-z0-9]{3}\dQ~[A-Za-z0-9_.~-]{34}$/);
    expect(added.body).toMatchObject({ displayName: "rotation r-1", endDateTime, hint: secretText.slice(0, 3), customKeyIdentifier: null });
    expect(target.passwordCredentials.find((p) => p.keyId === added.body.keyId)?.secretText).toBe(secretText);

    const byAppId = await send("POST", `/v1.0/applications(appId='${target.appId}')/addPassword`, { passwordCredential: { displayName: "second" } });
    expect(byAppId.status).toBe(200);
    expect(new Date(byAppId.body.endDateTime as string).getTime()).toBeGreaterThan(Date.now() + 700 * 86_400_000);

    const read = await get(`/v1.0/applications/${target.id}`);
    const passwords = read.body.passwordCredentials as Json[];
    expect(passwords).toHaveLength(3);
    for (const p of passwords) expect(p).toMatchObject({ secretText: null, hint: expect.stringMatching(/^.{3}$/) });
    const everyRead = JSON.stringify([read.body, (await get("/v1.0/applications?$top=999")).body, (await get("/beta/applications?$top=999")).body]);
    for (const value of state.allSecretValues()) expect(everyRead).not.toContain(value);

    const badDate = await send("POST", `/v1.0/applications/${target.id}/addPassword`, { passwordCredential: { endDateTime: "next tuesday" } });
    expect(badDate.status).toBe(400);
    expect(errorOf(badDate.body).message).toContain("endDateTime");
  });

  it("removes a password by keyId with 204, and refuses an unknown keyId as Graph does", async () => {
    const target = app(2);
    const keyId = target.passwordCredentials[0]!.keyId;
    const removed = await send("POST", `/v1.0/applications/${target.id}/removePassword`, { keyId });
    expect(removed.status).toBe(204);
    expect(target.passwordCredentials).toHaveLength(0);
    const again = await send("POST", `/v1.0/applications/${target.id}/removePassword`, { keyId });
    expect(again.status).toBe(400);
    expect(errorOf(again.body).message).toBe(`No password credential found with keyId ${keyId}.`);
    expect((await send("POST", `/v1.0/applications/${target.id}/removePassword`, {})).status).toBe(400);
  });

  it("validates federated identity credentials: name length, one audience, unique issuer+subject and name, at most 20", async () => {
    const target = state.addApplication({ displayName: "fic-target" });
    const path = `/v1.0/applications/${target.id}/federatedIdentityCredentials`;
    const fic = (i: number, extra: Json = {}) => ({
      name: `cci-${i}`,
      issuer: "https://oidc.circleci.com/org/0c9f5e7a-3d21-4b8e-a6f4-92d1c7e3b805",
      subject: `org/o/project/p${i}/user/u`,
      audiences: ["api://AzureADTokenExchange"],
      ...extra,
    });
    const created = await send("POST", path, fic(0, { description: "first" }));
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe(`${base}/v1.0/applications/${target.id}/federatedIdentityCredentials/${String(created.body.id)}`);
    expect(created.body).toMatchObject({ name: "cci-0", description: "first", audiences: ["api://AzureADTokenExchange"] });

    const tooLong = await send("POST", path, fic(1, { name: "n".repeat(121) }));
    expect(tooLong.status).toBe(400);
    expect(errorOf(tooLong.body).message).toMatch(/name.*120/);
    const twoAudiences = await send("POST", path, fic(1, { audiences: ["a", "b"] }));
    expect(twoAudiences.status).toBe(400);
    expect(errorOf(twoAudiences.body).message).toContain("exactly one audience");
    const sameSubject = await send("POST", path, fic(0, { name: "other-name" }));
    expect(sameSubject.status).toBe(400);
    expect(errorOf(sameSubject.body)).toMatchObject({ code: "InvalidFederatedIdentityCredentialValue", message: expect.stringContaining("must be unique") });
    const sameName = await send("POST", path, fic(1, { name: "cci-0" }));
    expect(sameName.status).toBe(409);

    for (let i = 1; i < 20; i++) expect((await send("POST", path, fic(i))).status).toBe(201);
    const twentyFirst = await send("POST", path, fic(20));
    expect(twentyFirst.status).toBe(400);
    expect(errorOf(twentyFirst.body).message).toContain("maximum of 20");

    const listed: Json[] = [];
    let next: string | undefined = `${base}${path}`;
    while (next) {
      const body = (await (await fetch(next, { headers: auth })).json()) as Json;
      listed.push(...(body.value as Json[]));
      next = body["@odata.nextLink"] as string | undefined;
    }
    expect(listed).toHaveLength(20);

    expect((await get(`${path}/${String(created.body.id)}`)).body.name).toBe("cci-0");
    expect((await get(`${path}/cci-3`)).body.subject).toBe("org/o/project/p3/user/u");
    expect((await get(`${path}(name='cci-4')`)).status).toBe(200);
    expect((await send("DELETE", `${path}/cci-0`)).status).toBe(204);
    expect((await send("DELETE", `${path}/cci-0`)).status).toBe(404);
    expect(target.federatedIdentityCredentials).toHaveLength(19);
  });

  it("answers $batch requests in order (inner urls with or without /v1.0) and refuses more than 20", async () => {
    const batch = await send("POST", "/v1.0/$batch", {
      requests: [
        { id: "1", method: "GET", url: `/applications/${app(3).id}?$select=id,displayName` },
        { id: "2", method: "GET", url: `/v1.0/applications(appId='${app(4).appId}')` },
        { id: "3", method: "GET", url: `/applications/${randomUUID()}` },
      ],
    });
    expect(batch.status).toBe(200);
    const responses = batch.body.responses as Array<{ id: string; status: number; body: Json; headers: Json }>;
    expect(responses.map((r) => [r.id, r.status])).toEqual([["1", 200], ["2", 200], ["3", 404]]);
    expect(responses[0]!.body).toMatchObject({ id: app(3).id, displayName: "app-3" });
    expect(responses[1]!.body.appId).toBe(app(4).appId);
    expect(graph.log.entries.slice(-4).map((e) => e.route)).toEqual([graphRouteNames.applicationsGet, graphRouteNames.applicationsGet, graphRouteNames.applicationsGet, graphRouteNames.batch]);

    graph.faults.set(graphRouteNames.applicationsGet, { rateLimitEvery: 1, retryAfterSeconds: 3 });
    try {
      const throttled = await send("POST", "/v1.0/$batch", { requests: [{ id: "a", method: "GET", url: `/applications/${app(3).id}` }] });
      const inner = (throttled.body.responses as Array<{ status: number; headers: Json }>)[0]!;
      expect(inner.status).toBe(429);
      expect(inner.headers["retry-after"]).toBe("3");
    } finally {
      graph.faults.clear(graphRouteNames.applicationsGet);
    }

    const tooMany = await send("POST", "/v1.0/$batch", {
      requests: Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: "GET", url: "/applications" })),
    });
    expect(tooMany.status).toBe(400);
    expect(errorOf(tooMany.body).message).toContain("limit of 20");
  });

  it("reports appCredentialSignInActivities on beta by keyId, and 403 for a tenant without P1/P2", async () => {
    const target = app(4);
    const keyId = target.passwordCredentials[0]!.keyId;
    const report = (id: string) => get(`/beta/reports/appCredentialSignInActivities?$filter=${encodeURIComponent(`keyId eq '${id}'`)}`);
    expect((await report(keyId)).body.value).toEqual([]);
    state.recordSignIn(target.appId, keyId, new Date("2026-01-02T03:04:05Z"));
    const present = await report(keyId);
    expect(present.body.value).toEqual([
      expect.objectContaining({
        keyId,
        appId: target.appId,
        keyType: "clientSecret",
        expirationDateTime: target.passwordCredentials[0]!.endDateTime,
        signInActivity: expect.objectContaining({ lastSignInDateTime: "2026-01-02T03:04:05.000Z" }),
      }),
    ]);
    expect((await get("/v1.0/reports/appCredentialSignInActivities")).status).toBe(400);
    state.signInReportsAvailable = false;
    try {
      const refused = await report(keyId);
      expect(refused.status).toBe(403);
      expect(errorOf(refused.body).code).toBe("Authentication_RequestFromNonPremiumTenantOrB2CTenant");
    } finally {
      state.signInReportsAvailable = true;
    }
  });
  it("lists the sign-in log on beta as documented: service-principal sign-ins only when asked for, newest first unless ordered, filtered by appId and createdDateTime, pages of at most 1,000", async () => {
    const appId = app(0).appId;
    const t0 = Date.parse("2026-11-01T10:00:00Z");
    const at = (minutes: number) => new Date(t0 + minutes * 60_000);
    state.logServicePrincipalSignIn({ appId, clientCredentialType: "federatedIdentityCredential", federatedCredentialId: "fic-1", servicePrincipalCredentialKeyId: null, errorCode: 0 }, at(0));
    state.logServicePrincipalSignIn({ appId, clientCredentialType: "federatedIdentityCredential", federatedCredentialId: null, servicePrincipalCredentialKeyId: null, errorCode: 70021 }, at(1));
    state.logServicePrincipalSignIn({ appId: app(1).appId, clientCredentialType: "clientSecret", federatedCredentialId: null, servicePrincipalCredentialKeyId: "k", errorCode: 0 }, at(2));
    const servicePrincipals = encodeURIComponent(`appId eq '${appId}' and signInEventTypes/any(t: t eq 'servicePrincipal')`);
    // Without the event-type filter the log lists interactive user sign-ins only.
    expect((await get(`/beta/auditLogs/signIns?$filter=${encodeURIComponent(`appId eq '${appId}'`)}`)).body.value).toEqual([]);
    const newest = await get(`/beta/auditLogs/signIns?$filter=${servicePrincipals}`);
    expect(newest.status).toBe(200);
    const listed = newest.body.value as Json[];
    expect(listed.map((s) => s.createdDateTime)).toEqual([at(1).toISOString(), at(0).toISOString()]);
    expect(listed[1]).toMatchObject({ clientCredentialType: "federatedIdentityCredential", federatedCredentialId: "fic-1", signInEventTypes: ["servicePrincipal"], status: { errorCode: 0 } });
    expect(listed[0]).toMatchObject({ federatedCredentialId: null, status: { errorCode: 70021 } });
    const oldest = await get(`/beta/auditLogs/signIns?$filter=${servicePrincipals}&$orderby=${encodeURIComponent("createdDateTime asc")}`);
    expect((oldest.body.value as Json[]).map((s) => s.createdDateTime)).toEqual([at(0).toISOString(), at(1).toISOString()]);
    const since = await get(`/beta/auditLogs/signIns?$filter=${encodeURIComponent(`appId eq '${appId}' and signInEventTypes/any(t: t eq 'servicePrincipal') and createdDateTime ge 2026-11-01T10:00:30Z`)}`);
    expect((since.body.value as Json[]).map((s) => s.createdDateTime)).toEqual([at(1).toISOString()]);
    expect((await get(`/beta/auditLogs/signIns?$filter=${servicePrincipals}&$top=1001`)).status).toBe(400);
    state.signInReportsAvailable = false;
    try {
      expect(errorOf((await get(`/beta/auditLogs/signIns?$filter=${servicePrincipals}`)).body).code).toBe("Authentication_RequestFromNonPremiumTenantOrB2CTenant");
    } finally {
      state.signInReportsAvailable = true;
    }
  });
});
