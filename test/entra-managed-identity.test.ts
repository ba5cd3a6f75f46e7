import { DefaultAzureCredential } from "@azure/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultTlsDir, ensureSandboxTls } from "../sandbox/core/ca.js";
import { TokenRegistry } from "../sandbox/core/tokens.js";
import { EntraEmulator, entraRouteNames } from "../sandbox/entra/index.js";
import { DirectoryState, smallTenantWorld } from "../sandbox/graph/index.js";

// MSAL keeps the managed identity source (endpoint and header) and its token cache in static fields for
// the whole process: the environment is set once, before the first credential exists, and each test
// asks for a resource of its own so that no cached token answers for it.
describe("Entra emulator: managed identity (App Service 2019-08-01)", () => {
  const tokens = new TokenRegistry();
  const state = new DirectoryState(smallTenantWorld(new Date(), { apps: 1 }));
  const entra = new EntraEmulator({ state, tokens });
  const identityHeader = state.managedIdentity.identityHeader;

  beforeAll(async () => {
    await entra.start(ensureSandboxTls(defaultTlsDir()));
    for (const name of Object.keys(process.env)) if (name.startsWith("AZURE_")) delete process.env[name];
    process.env.IDENTITY_ENDPOINT = entra.identityEndpoint;
    process.env.IDENTITY_HEADER = identityHeader;
  });
  afterAll(async () => {
    delete process.env.IDENTITY_ENDPOINT;
    delete process.env.IDENTITY_HEADER;
    await entra.close();
  });

  it("gives DefaultAzureCredential a token for the requested resource, issued to the managed identity", async () => {
    const token = await new DefaultAzureCredential().getToken("https://graph.microsoft.com/.default");
    const claims = tokens.verify(`Bearer ${token.token}`, ["https://graph.microsoft.com"]);
    expect(claims).toMatchObject({ appid: state.managedIdentity.clientId, tid: state.tenantId, aud: "https://graph.microsoft.com" });
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now() + 30 * 60_000);
    expect(tokens.verify(`Bearer ${token.token}`, ["https://vault.azure.net"])).toBeNull();
    const calls = entra.log.entries.filter((e) => e.route === entraRouteNames.managedIdentityToken);
    expect(calls.at(-1)).toMatchObject({ status: 200, path: "/msi/token" });
    expect(calls.at(-1)?.query).toContain("resource=https%3A%2F%2Fgraph.microsoft.com");
  });

  it("refuses a request whose X-IDENTITY-HEADER is wrong, so DefaultAzureCredential fails", async () => {
    state.managedIdentity.identityHeader = "a-different-header";
    try {
      await expect(new DefaultAzureCredential().getToken("https://vault.azure.net/.default")).rejects.toThrow(/ManagedIdentityCredential/);
      expect(entra.log.entries.at(-1)).toMatchObject({ route: entraRouteNames.managedIdentityToken, status: 401 });
    } finally {
      state.managedIdentity.identityHeader = identityHeader;
    }
  });

  it("answers the wire format App Service does, and checks api-version, resource and client_id", async () => {
    const url = new URL(entra.identityEndpoint);
    url.searchParams.set("api-version", "2019-08-01");
    url.searchParams.set("resource", "https://vault.azure.net");
    const ok = await fetch(url, { headers: { "X-IDENTITY-HEADER": identityHeader } });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ resource: "https://vault.azure.net", token_type: "Bearer", client_id: state.managedIdentity.clientId });
    expect(body.expires_on).toMatch(/^\d{10}$/);
    expect(tokens.verify(`Bearer ${String(body.access_token)}`, ["https://vault.azure.net"])).not.toBeNull();

    url.searchParams.set("client_id", state.managedIdentity.clientId);
    expect((await fetch(url, { headers: { "X-IDENTITY-HEADER": identityHeader } })).status).toBe(200);
    url.searchParams.set("client_id", "00000000-0000-0000-0000-000000000000");
    expect((await fetch(url, { headers: { "X-IDENTITY-HEADER": identityHeader } })).status).toBe(400);
    url.searchParams.delete("client_id");

    url.searchParams.set("api-version", "2017-09-01");
    expect((await fetch(url, { headers: { "X-IDENTITY-HEADER": identityHeader } })).status).toBe(400);
    url.searchParams.set("api-version", "2019-08-01");
    url.searchParams.delete("resource");
    const noResource = await fetch(url, { headers: { "X-IDENTITY-HEADER": identityHeader } });
    expect(noResource.status).toBe(400);
    expect(await noResource.json()).toMatchObject({ statusCode: 400, message: expect.stringContaining("resource") });
    expect((await fetch(url)).status).toBe(401);
  });
});
