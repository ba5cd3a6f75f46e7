import type { GetTokenOptions, TokenCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { defaultTlsDir, ensureSandboxTls } from "../sandbox/core/ca.js";
import { TokenRegistry } from "../sandbox/core/tokens.js";
import { KeyVaultEmulator, keyVaultRoutes } from "../sandbox/keyvault/index.js";
import type { VaultWorld } from "../sandbox/world/spec.js";
import { createKeyVault, isLoopbackVaultUrl, KeyVaultError, keyVaultServiceVersion } from "#shared/adapters/keyvault/index.js";
import { SecretValue } from "#shared/domain/secret-value.js";

// The Key Vault adapter through the real @azure/keyvault-secrets SDK against the emulator.

const tenantId = "7f3c9a52-1b4e-4d2a-9c61-3e8f0b2d4a17";

/** Stands in for the identity service: tokens come from the same registry the emulator checks. */
function registryCredential(tokens: TokenRegistry): TokenCredential & { requests: GetTokenOptions[] } {
  const requests: GetTokenOptions[] = [];
  return {
    requests,
    async getToken(scopes, options) {
      requests.push(options ?? {});
      const scope = Array.isArray(scopes) ? scopes[0]! : scopes;
      const issued = tokens.issue({ audience: scope.replace(/\/\.default$/, ""), tenantId: options?.tenantId ?? tenantId, appId: "watchdog-test" });
      return { token: issued.token, expiresOnTimestamp: issued.expiresOn * 1000, tokenType: "Bearer" };
    },
  };
}

const world: VaultWorld = {
  name: "adapter-vault",
  secrets: [
    {
      name: "cci-prod-deploy",
      versions: [
        { value: "old-value", createdOn: "2026-01-01T00:00:00.000Z", tags: { rotation: "r0" } },
        { value: "live-value", createdOn: "2026-03-01T00:00:00.000Z", tags: { rotation: "r1" }, expiresOn: "2026-06-01T00:00:00.000Z" },
      ],
    },
  ],
};

describe("Key Vault adapter (real SDK against the emulator)", () => {
  const tokens = new TokenRegistry();
  const emulator = new KeyVaultEmulator({ world, tokens, tenantId, pageSize: 2 });
  const fastRetry = { retryDelayInMs: 5, maxRetryDelayInMs: 20 };
  const newVault = () => createKeyVault({ vaultUrl: emulator.url, credential: registryCredential(tokens), retry: fastRetry });

  beforeAll(async () => {
    await emulator.start(ensureSandboxTls(defaultTlsDir()));
  });
  afterAll(() => emulator.close());
  beforeEach(() => {
    emulator.log.clear();
    emulator.faults.clear();
  });

  it("goes through Key Vault's challenge: the first request gets 401 without a token, then the same call succeeds", async () => {
    const credential = registryCredential(tokens);
    const vault = createKeyVault({ vaultUrl: emulator.url, credential });
    const listed = await vault.listSecrets();
    expect(listed.map((s) => s.name)).toContain("cci-prod-deploy");

    const [first, second] = emulator.log.entries;
    expect([first?.route, first?.status]).toEqual([keyVaultRoutes.listSecrets, 401]);
    expect([second?.route, second?.status]).toEqual([keyVaultRoutes.listSecrets, 200]);
    // The SDK percent-encodes the parameter name (`api%2Dversion`): read it as a server would.
    expect(new URLSearchParams(second?.query).get("api-version")).toBe(keyVaultServiceVersion);
    // The tenant named in the challenge is the one the token is asked for.
    expect(credential.requests[0]?.tenantId).toBe(tenantId);

    emulator.log.clear();
    await vault.getSecret("cci-prod-deploy");
    expect(emulator.log.entries.map((e) => e.status)).toEqual([200]);
  });

  it("round-trips a secret: set with tags and exp, get latest and by version, list versions, disable one", async () => {
    const vault = newVault();
    const value = new SecretValue("n3w-Secret~value");
    const stored = await vault.setSecret("cci-round-trip", value, {
      expiresOn: "2027-02-03T04:05:06.000Z",
      tags: { appId: "11111111-2222-3333-4444-555555555555", rotationId: "rot-1" },
      contentType: "text/plain",
    });
    expect(stored).toMatchObject({
      name: "cci-round-trip",
      enabled: true,
      expiresOn: "2027-02-03T04:05:06.000Z",
      contentType: "text/plain",
      tags: { appId: "11111111-2222-3333-4444-555555555555", rotationId: "rot-1" },
    });
    expect(stored.version).toMatch(/^[0-9a-f]{32}$/);

    // What the vault holds, checked in the emulator itself.
    const held = emulator.state.latest("cci-round-trip")!;
    expect(held).toMatchObject({ version: stored.version, value: "n3w-Secret~value", expiresOn: "2027-02-03T04:05:06.000Z", enabled: true });
    expect(held.tags).toEqual({ appId: "11111111-2222-3333-4444-555555555555", rotationId: "rot-1" });

    const latest = await vault.getSecret("cci-round-trip");
    expect(latest?.value).toBeInstanceOf(SecretValue);
    expect(latest?.value.reveal()).toBe("n3w-Secret~value");
    expect(latest?.properties.version).toBe(stored.version);

    const second = await vault.setSecret("cci-round-trip", new SecretValue("second"), {});
    expect((await vault.getSecret("cci-round-trip"))?.value.reveal()).toBe("second");
    expect((await vault.getSecret("cci-round-trip", stored.version))?.value.reveal()).toBe("n3w-Secret~value");

    const versions = await vault.listVersions("cci-round-trip");
    expect(versions.map((v) => v.version)).toEqual([stored.version, second.version]);
    expect(versions[0]).toMatchObject({ enabled: true, tags: { rotationId: "rot-1" }, expiresOn: "2027-02-03T04:05:06.000Z" });

    await vault.setVersionEnabled("cci-round-trip", stored.version, false);
    expect(emulator.state.versions("cci-round-trip").map((v) => v.enabled)).toEqual([false, true]);
    expect(emulator.state.versions("cci-round-trip")[0]?.tags).toEqual({ appId: "11111111-2222-3333-4444-555555555555", rotationId: "rot-1" });
    expect((await vault.listVersions("cci-round-trip"))[0]?.enabled).toBe(false);

    const listed = await vault.listSecrets();
    expect(listed.find((s) => s.name === "cci-round-trip")).toMatchObject({ enabled: true, tags: {} });
  });

  it("cannot read a disabled version: Key Vault's 403 Forbidden / SecretDisabled comes back as a KeyVaultError", async () => {
    const vault = newVault();
    const [old] = emulator.state.versions("cci-prod-deploy");
    await vault.setVersionEnabled("cci-prod-deploy", old!.version, false);
    const error = await vault.getSecret("cci-prod-deploy", old!.version).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KeyVaultError);
    expect(error).toMatchObject({ operation: "get secret", secretName: "cci-prod-deploy", status: 403, code: "Forbidden", innerCode: "SecretDisabled" });
    expect(String(error)).not.toContain("old-value");

    await vault.setVersionEnabled("cci-prod-deploy", old!.version, true);
    expect((await vault.getSecret("cci-prod-deploy", old!.version))?.value.reveal()).toBe("old-value");
  });

  it("answers null for a secret that does not exist", async () => {
    expect(await newVault().getSecret("no-such-secret")).toBeNull();
    expect(await newVault().listVersions("no-such-secret")).toEqual([]);
  });

  it("follows nextLink pages for secrets and versions", async () => {
    const vault = newVault();
    for (const n of [1, 2, 3, 4]) await vault.setSecret(`paged-${n}`, new SecretValue(`p${n}`), {});
    for (const n of [1, 2, 3, 4]) await vault.setSecret("paged-1", new SecretValue(`again-${n}`), {});
    emulator.log.clear();

    const all = await vault.listSecrets();
    const expected = [...emulator.state.secrets.values()].map((s) => s.name).sort();
    expect(all.map((s) => s.name).sort()).toEqual(expected);
    const listPages = emulator.log.entries.filter((e) => e.route === keyVaultRoutes.listSecrets && e.status === 200);
    expect(listPages).toHaveLength(Math.ceil(expected.length / 2));
    const query = (e: { query: string }) => new URLSearchParams(e.query);
    expect(listPages.slice(1).every((e) => query(e).has("$skiptoken") && query(e).get("api-version") === keyVaultServiceVersion)).toBe(true);

    const versions = await vault.listVersions("paged-1");
    expect(versions.map((v) => v.version)).toEqual(emulator.state.versions("paged-1").map((v) => v.version));
    expect(versions).toHaveLength(5);
    expect(emulator.log.count((e) => e.route === keyVaultRoutes.listVersions && e.status === 200)).toBe(3);
  });

  it("lets the SDK soft-delete and recover a secret; the adapter sees it vanish and return", async () => {
    const vault = newVault();
    await vault.setSecret("cci-soft-delete", new SecretValue("keep-me"), { tags: { k: "v" } });
    const sdk = new SecretClient(emulator.url, registryCredential(tokens), {
      serviceVersion: keyVaultServiceVersion,
      disableChallengeResourceVerification: true,
    });

    const deletion = await sdk.beginDeleteSecret("cci-soft-delete", { intervalInMs: 10 });
    const deleted = await deletion.pollUntilDone();
    expect(deleted.recoveryId).toBe(`${emulator.url}/deletedsecrets/cci-soft-delete`);
    expect(deleted.scheduledPurgeDate!.getTime() - deleted.deletedOn!.getTime()).toBe(90 * 86_400_000);
    expect(emulator.state.deleted.has("cci-soft-delete")).toBe(true);
    expect(await vault.getSecret("cci-soft-delete")).toBeNull();
    expect((await vault.listSecrets()).map((s) => s.name)).not.toContain("cci-soft-delete");

    const refused = await vault.setSecret("cci-soft-delete", new SecretValue("reuse"), {}).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 409, code: "Conflict" });

    const recovery = await sdk.beginRecoverDeletedSecret("cci-soft-delete", { intervalInMs: 10 });
    const recovered = await recovery.pollUntilDone();
    expect(recovered.name).toBe("cci-soft-delete");
    expect((await vault.getSecret("cci-soft-delete"))?.value.reveal()).toBe("keep-me");
    expect(emulator.state.latest("cci-soft-delete")?.tags).toEqual({ k: "v" });

    await (await sdk.beginDeleteSecret("cci-soft-delete", { intervalInMs: 10 })).pollUntilDone();
    await sdk.purgeDeletedSecret("cci-soft-delete");
    expect(emulator.state.deleted.has("cci-soft-delete")).toBe(false);
  });

  it("finds a soft-deleted secret by name (properties only) and recovers it, waiting out an asynchronous recovery", async () => {
    const vault = newVault();
    await vault.setSecret("cci-deleted-find", new SecretValue("deleted-value-canary"), { tags: { credential: "x", managedBy: "secret-watchdog" } });
    expect(await vault.getDeletedSecret("cci-deleted-find")).toBeNull();
    emulator.state.softDelete("cci-deleted-find");
    const found = await vault.getDeletedSecret("cci-deleted-find");
    expect(found).toMatchObject({ name: "cci-deleted-find", tags: { credential: "x", managedBy: "secret-watchdog" }, deletedOn: expect.any(String), scheduledPurgeOn: expect.any(String) });
    expect(JSON.stringify(found)).not.toContain("deleted-value-canary");

    emulator.state.recoveryDelayMs = 150;
    try {
      const slow = createKeyVault({ vaultUrl: emulator.url, credential: registryCredential(tokens), retry: fastRetry, recoveryWait: { pollIntervalMs: 50 } });
      await slow.recoverDeletedSecret("cci-deleted-find");
      expect((await vault.listVersions("cci-deleted-find")).map((v) => v.tags.credential)).toEqual(["x"]);
      expect(await vault.getDeletedSecret("cci-deleted-find")).toBeNull();
      // A recovery that outlasts the wait fails the call, naming it.
      await vault.setSecret("cci-deleted-late", new SecretValue("late"), {});
      emulator.state.softDelete("cci-deleted-late");
      emulator.state.recoveryDelayMs = 5_000;
      const impatient = createKeyVault({ vaultUrl: emulator.url, credential: registryCredential(tokens), retry: fastRetry, recoveryWait: { pollIntervalMs: 50, maxWaitMs: 200 } });
      await expect(impatient.recoverDeletedSecret("cci-deleted-late")).rejects.toMatchObject({ code: "RecoveryInProgress", secretName: "cci-deleted-late" });
    } finally {
      emulator.state.recoveryDelayMs = 0;
    }
  });

  it("keeps challenge-resource verification for any vault that is not on a loopback address", () => {
    expect(isLoopbackVaultUrl("https://127.0.0.1:8443")).toBe(true);
    expect(isLoopbackVaultUrl("https://[::1]:8443/")).toBe(true);
    expect(isLoopbackVaultUrl("https://LOCALHOST:8443")).toBe(true);
    expect(isLoopbackVaultUrl("https://my-vault.vault.azure.net")).toBe(false);
    expect(isLoopbackVaultUrl("https://127.0.0.1.evil.example")).toBe(false);
    expect(isLoopbackVaultUrl("https://localhost.evil.example")).toBe(false);
    expect(isLoopbackVaultUrl("https://10.0.0.23")).toBe(false);
  });
});
