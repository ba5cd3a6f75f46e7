import { randomUUID } from "node:crypto";
import { inspect } from "node:util";
import { ClientSecretCredential } from "@azure/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultTlsDir, ensureSandboxTls } from "../sandbox/core/ca.js";
import { entraRouteNames, startDirectorySandbox, type DirectorySandbox } from "../sandbox/entra/index.js";
import { smallTenantWorld, type DirectoryApp } from "../sandbox/graph/index.js";
import { SecretValue } from "#shared/domain/secret-value.js";
import { createEntraSecretTester, isMicrosoftAuthorityHost } from "#shared/adapters/entra/index.js";

const DAY = 86_400_000;
const graphScope = "https://graph.microsoft.com/.default";

describe("Entra emulator: authority (OpenID discovery and client-credentials grant)", () => {
  let sandbox: DirectorySandbox;
  let app: DirectoryApp;
  let liveSecret: string;

  const credential = (secret: string, appId = app.appId) =>
    new ClientSecretCredential(sandbox.state.tenantId, appId, secret, { authorityHost: sandbox.entra.url, disableInstanceDiscovery: true });
  const tester = () => createEntraSecretTester({ authorityHost: sandbox.entra.url });

  beforeAll(async () => {
    sandbox = await startDirectorySandbox(smallTenantWorld(new Date(), { apps: 2 }), ensureSandboxTls(defaultTlsDir()));
    app = sandbox.state.applications[0]!;
    liveSecret = app.passwordCredentials[0]!.secretText;
  });
  afterAll(() => sandbox.close());

  it("publishes the OpenID configuration MSAL validates, with the issuer on the authority's host", async () => {
    const response = await fetch(`${sandbox.entra.url}/${sandbox.state.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const config = (await response.json()) as Record<string, string>;
    const root = `${sandbox.entra.url}/${sandbox.state.tenantId}`;
    expect(config).toMatchObject({
      token_endpoint: `${root}/oauth2/v2.0/token`,
      authorization_endpoint: `${root}/oauth2/v2.0/authorize`,
      issuer: `${root}/v2.0`,
      jwks_uri: `${root}/discovery/v2.0/keys`,
    });
    const unknown = await fetch(`${sandbox.entra.url}/${randomUUID()}/v2.0/.well-known/openid-configuration`);
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: "invalid_tenant", error_codes: [90002] });
  });

  it("gives ClientSecretCredential a token for a live secret and records the sign-in on that key", async () => {
    const token = await credential(liveSecret).getToken(graphScope);
    const claims = sandbox.tokens.verify(`Bearer ${token.token}`, ["https://graph.microsoft.com"]);
    expect(claims).toMatchObject({ appid: app.appId, tid: sandbox.state.tenantId });
    const keyId = app.passwordCredentials[0]!.keyId;
    expect(sandbox.state.signInFor(keyId)?.appId).toBe(app.appId);
    expect(await tester().test(sandbox.state.tenantId, app.appId, new SecretValue(liveSecret))).toEqual({ ok: true });
  });

  it("refuses a wrong secret with 401 invalid_client AADSTS7000215, in Entra's error shape", async () => {
    await expect(credential("not-the-secret").getToken(graphScope)).rejects.toThrow(/invalid_client[\s\S]*AADSTS7000215/);
    const form = new URLSearchParams({ client_id: app.appId, client_secret: "not-the-secret", scope: graphScope, grant_type: "client_credentials" });
    const response = await fetch(`${sandbox.entra.url}/${sandbox.state.tenantId}/oauth2/v2.0/token`, { method: "POST", body: form });
    expect(response.status).toBe(401);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error: "invalid_client", error_codes: [7000215], error_uri: expect.stringContaining("7000215") });
    expect(body.error_description).toMatch(/^AADSTS7000215: Invalid client secret provided\. .*Trace ID: .*Correlation ID: .*Timestamp: /);
    expect(typeof body.trace_id).toBe("string");
    expect(typeof body.correlation_id).toBe("string");
  });

  it("refuses a removed secret and one not valid yet (AADSTS7000215), an expired one (AADSTS7000222, or 7000215 by a knob)", async () => {
    const other = sandbox.state.applications[1]!;
    const now = sandbox.state.now();
    const expired = sandbox.state.addPassword(other, { displayName: "expired", startDateTime: new Date(now.getTime() - 10 * DAY).toISOString(), endDateTime: new Date(now.getTime() - DAY).toISOString() });
    const future = sandbox.state.addPassword(other, { displayName: "future", startDateTime: new Date(now.getTime() + DAY).toISOString(), endDateTime: new Date(now.getTime() + 10 * DAY).toISOString() });
    const removed = sandbox.state.addPassword(other, { displayName: "removed", endDateTime: new Date(now.getTime() + 10 * DAY).toISOString() });
    await expect(credential(removed.secretText, other.appId).getToken(graphScope)).resolves.toBeTruthy();
    sandbox.state.removePassword(other, removed.keyId);
    for (const secret of [removed.secretText, future.secretText]) {
      await expect(credential(secret, other.appId).getToken(graphScope)).rejects.toThrow(/AADSTS7000215/);
    }
    // Entra names an expired secret with its own code; the knob gives the variant some documentation describes.
    await expect(credential(expired.secretText, other.appId).getToken(graphScope)).rejects.toThrow(/AADSTS7000222/);
    sandbox.entra.expiredSecretCode = 7000215;
    try {
      await expect(credential(expired.secretText, other.appId).getToken(graphScope)).rejects.toThrow(/AADSTS7000215/);
    } finally {
      sandbox.entra.expiredSecretCode = 7000222;
    }
  });

  it("refuses an unknown application with 400 unauthorized_client AADSTS700016", async () => {
    await expect(credential(liveSecret, randomUUID()).getToken(graphScope)).rejects.toThrow(/unauthorized_client[\s\S]*AADSTS700016/);
    expect(sandbox.entra.log.entries.at(-1)).toMatchObject({ route: entraRouteNames.token, status: 400 });
  });

  it("insists on a /.default scope and the client_credentials grant", async () => {
    const post = (fields: Record<string, string>) =>
      fetch(`${sandbox.entra.url}/${sandbox.state.tenantId}/oauth2/v2.0/token`, { method: "POST", body: new URLSearchParams(fields) });
    const base = { client_id: app.appId, client_secret: liveSecret };
    const noDefault = await post({ ...base, scope: "https://graph.microsoft.com/User.Read", grant_type: "client_credentials" });
    expect(await noDefault.json()).toMatchObject({ error: "invalid_scope", error_codes: [1002012] });
    const password = await post({ ...base, scope: graphScope, grant_type: "password" });
    expect(password.status).toBe(400);
    expect(await password.json()).toMatchObject({ error: "unsupported_grant_type" });
  });

  it("refuses a newly added secret until the propagation delay has passed; the tester calls that retryable", async () => {
    sandbox.entra.propagationDelayMs = 400;
    try {
      const fresh = sandbox.state.addPassword(app, { displayName: "fresh", endDateTime: new Date(Date.now() + 30 * DAY).toISOString() });
      const secret = new SecretValue(fresh.secretText);
      const early = await tester().test(sandbox.state.tenantId, app.appId, secret);
      expect(early).toMatchObject({ ok: false, retryable: true });
      await new Promise((resolve) => setTimeout(resolve, 450));
      expect(await tester().test(sandbox.state.tenantId, app.appId, secret)).toEqual({ ok: true });
    } finally {
      sandbox.entra.propagationDelayMs = 0;
    }
  });

  it("the tester never puts the secret in its answer, and tells a missing app from a wrong secret", async () => {
    const canary = `CANARY-${randomUUID()}`;
    const wrong = await tester().test(sandbox.state.tenantId, app.appId, new SecretValue(canary));
    expect(wrong).toMatchObject({ ok: false, retryable: true, reason: expect.stringContaining("AADSTS7000215") });
    expect(inspect(wrong)).not.toContain(canary);
    expect(JSON.stringify(wrong)).not.toContain(canary);

    const missing = await tester().test(sandbox.state.tenantId, randomUUID(), new SecretValue(canary));
    expect(missing).toMatchObject({ ok: false, retryable: false, reason: expect.stringContaining("AADSTS700016") });
    expect(JSON.stringify(missing)).not.toContain(canary);
  });

  it("turns instance discovery off for any authority that is not one of Microsoft's clouds", () => {
    expect(isMicrosoftAuthorityHost("https://login.microsoftonline.com")).toBe(true);
    expect(isMicrosoftAuthorityHost("https://login.microsoftonline.us/")).toBe(true);
    expect(isMicrosoftAuthorityHost("https://login.chinacloudapi.cn")).toBe(true);
    expect(isMicrosoftAuthorityHost(sandbox.entra.url)).toBe(false);
    expect(() => createEntraSecretTester({ authorityHost: "http://login.example" })).toThrow(/authorityHost \(AZURE_AUTHORITY_HOST\) must be an https/);
  });
});
