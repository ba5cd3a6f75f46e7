import { DefaultAzureCredential } from "@azure/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultTlsDir, ensureSandboxTls } from "../sandbox/core/ca.js";
import { TokenRegistry } from "../sandbox/core/tokens.js";
import { EntraEmulator, entraRouteNames } from "../sandbox/entra/index.js";
import { DirectoryState, smallTenantWorld } from "../sandbox/graph/index.js";
import { KeyVaultEmulator, keyVaultRoutes } from "../sandbox/keyvault/index.js";
import { createKeyVault } from "#shared/adapters/keyvault/index.js";
import { SecretValue } from "#shared/domain/secret-value.js";

// The production path: DefaultAzureCredential finds the managed identity through IDENTITY_ENDPOINT and
// IDENTITY_HEADER (as in a Function App), and the Key Vault challenge is answered with its token.

describe("Key Vault adapter with DefaultAzureCredential (managed identity)", () => {
  const tokens = new TokenRegistry();
  const state = new DirectoryState(smallTenantWorld(new Date(), { apps: 1 }));
  const entra = new EntraEmulator({ state, tokens });
  const vault = new KeyVaultEmulator({ world: { name: "mi-vault", secrets: [] }, tokens, tenantId: state.tenantId });

  beforeAll(async () => {
    const tls = ensureSandboxTls(defaultTlsDir());
    await Promise.all([entra.start(tls), vault.start(tls)]);
    // MSAL keeps the managed identity source in static fields: set the environment before any credential exists.
    for (const name of Object.keys(process.env)) if (name.startsWith("AZURE_")) delete process.env[name];
    process.env.IDENTITY_ENDPOINT = entra.identityEndpoint;
    process.env.IDENTITY_HEADER = state.managedIdentity.identityHeader;
  });
  afterAll(async () => {
    delete process.env.IDENTITY_ENDPOINT;
    delete process.env.IDENTITY_HEADER;
    await Promise.all([entra.close(), vault.close()]);
  });

  it("stores and reads a secret with a managed identity token for https://vault.azure.net", async () => {
    const adapter = createKeyVault({ vaultUrl: vault.url, credential: new DefaultAzureCredential() });
    const stored = await adapter.setSecret("cci-mi", new SecretValue("via-managed-identity"), { tags: { by: "mi" } });
    expect((await adapter.getSecret("cci-mi"))?.value.reveal()).toBe("via-managed-identity");

    expect(vault.state.latest("cci-mi")).toMatchObject({ version: stored.version, value: "via-managed-identity", tags: { by: "mi" } });
    expect(vault.log.entries.map((e) => [e.route, e.status])).toEqual([
      [keyVaultRoutes.setSecret, 401],
      [keyVaultRoutes.setSecret, 200],
      [keyVaultRoutes.getSecret, 200],
    ]);
    const tokenCalls = entra.log.entries.filter((e) => e.route === entraRouteNames.managedIdentityToken && e.status === 200);
    expect(tokenCalls).toHaveLength(1);
    expect(new URLSearchParams(tokenCalls[0]!.query).get("resource")).toBe("https://vault.azure.net");
  });
});
