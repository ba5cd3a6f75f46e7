import { inspect } from "node:util";
import type { TokenCredential } from "@azure/identity";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { defaultTlsDir, ensureSandboxTls } from "../sandbox/core/ca.js";
import { Emulator } from "../sandbox/core/emulator.js";
import { TokenRegistry } from "../sandbox/core/tokens.js";
import { KeyVaultEmulator, keyVaultRoutes } from "../sandbox/keyvault/index.js";
import { createKeyVault, KeyVaultError } from "#shared/adapters/keyvault/index.js";
import { SecretValue } from "#shared/domain/secret-value.js";

// Throttling, outages and failures through the real SDK: retried where they should be, and every error
// that comes out names operation, secret, status and code — never a value or a token.

const tenantId = "7f3c9a52-1b4e-4d2a-9c61-3e8f0b2d4a17";
const canaryValue = "CANARY-value-9f8e7d6c5b4a";

function registryCredential(tokens: TokenRegistry, issued: string[]): TokenCredential {
  return {
    async getToken(scopes, options) {
      const scope = Array.isArray(scopes) ? scopes[0]! : scopes;
      const token = tokens.issue({ audience: scope.replace(/\/\.default$/, ""), tenantId: options?.tenantId ?? tenantId, appId: "watchdog-test" });
      issued.push(token.token);
      return { token: token.token, expiresOnTimestamp: token.expiresOn * 1000, tokenType: "Bearer" };
    },
  };
}

/** Every way an error could be printed: message, stack, JSON, util.inspect with hidden fields. */
function renderings(error: unknown): string[] {
  return [String(error), (error as Error).stack ?? "", JSON.stringify(error), inspect(error, { depth: null, showHidden: true })];
}

function expectClean(error: unknown, forbidden: string[]): void {
  for (const text of renderings(error)) {
    for (const secret of forbidden) expect(text).not.toContain(secret);
  }
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: unknown) => error,
  );

describe("Key Vault adapter under faults", () => {
  const tokens = new TokenRegistry();
  const issued: string[] = [];
  const emulator = new KeyVaultEmulator({ world: { name: "faulty", secrets: [] }, tokens, tenantId });
  const fastRetry = { retryDelayInMs: 5, maxRetryDelayInMs: 20 };
  const newVault = () => createKeyVault({ vaultUrl: emulator.url, credential: registryCredential(tokens, issued), retry: fastRetry });

  beforeAll(async () => {
    await emulator.start(ensureSandboxTls(defaultTlsDir()));
  });
  afterAll(() => emulator.close());
  beforeEach(() => {
    emulator.log.clear();
    emulator.faults.clear();
  });

  it("waits out a 429 for its Retry-After (1 s) and then succeeds", async () => {
    // Every 2nd request is throttled: the token-less challenge request passes, the first real one gets 429.
    emulator.faults.set(keyVaultRoutes.setSecret, { rateLimitEvery: 2, retryAfterSeconds: 1 });
    const started = Date.now();
    const stored = await newVault().setSecret("throttled", new SecretValue("after-429"), {});
    const elapsed = Date.now() - started;

    expect(emulator.log.entries.map((e) => e.status)).toEqual([401, 429, 200]);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(emulator.state.versions("throttled").map((v) => [v.version, v.value])).toEqual([[stored.version, "after-429"]]);
  });

  it("rides out a burst of 5xx with the SDK's backoff, storing exactly one version", async () => {
    const vault = newVault();
    await vault.listSecrets(); // completes the challenge, so the burst hits authenticated requests
    emulator.log.clear();
    emulator.faults.set(keyVaultRoutes.setSecret, { failTimes: 3, failStatus: 503 });
    emulator.faults.set(keyVaultRoutes.getSecret, { failTimes: 2, failStatus: 500 });

    await vault.setSecret("bursty", new SecretValue("survived"), { tags: { t: "1" } });
    const read = await vault.getSecret("bursty");

    expect(read?.value.reveal()).toBe("survived");
    expect(emulator.log.entries.map((e) => [e.route, e.status])).toEqual([
      [keyVaultRoutes.setSecret, 503],
      [keyVaultRoutes.setSecret, 503],
      [keyVaultRoutes.setSecret, 503],
      [keyVaultRoutes.setSecret, 200],
      [keyVaultRoutes.getSecret, 500],
      [keyVaultRoutes.getSecret, 500],
      [keyVaultRoutes.getSecret, 200],
    ]);
    expect(emulator.state.versions("bursty")).toHaveLength(1);
  });

  it("gives up after its retries with a KeyVaultError that carries no value and no token", async () => {
    const vault = newVault();
    await vault.listSecrets();
    emulator.log.clear();
    emulator.faults.set(keyVaultRoutes.setSecret, { failTimes: 100, failStatus: 503 });

    const error = await failure(vault.setSecret("outage", new SecretValue(canaryValue), { tags: { rotationId: "r-7" } }));

    expect(error).toBeInstanceOf(KeyVaultError);
    expect(error).toMatchObject({ operation: "set secret", secretName: "outage", status: 503, code: "ServiceUnavailable" });
    expect(String(error)).toContain('secret "outage"');
    expect(emulator.log.count((e) => e.route === keyVaultRoutes.setSecret)).toBe(6); // 1 try + 5 retries
    expect(issued.length).toBeGreaterThan(0);
    expectClean(error, [canaryValue, ...issued]);
    expect(emulator.state.secret("outage")).toBeUndefined();
  });

  it("names what is wrong with the arguments before anything goes on the wire", async () => {
    const vault = newVault();
    const badName = await failure(vault.setSecret("bad_name", new SecretValue(canaryValue), {}));
    expect(badName).toMatchObject({ code: "InvalidArgument", secretName: "bad_name" });
    expect(String(badName)).toContain("name: expected 1-127 letters, digits and dashes");

    const badExpiry = await failure(vault.setSecret("ok-name", new SecretValue(canaryValue), { expiresOn: "next tuesday" }));
    expect(String(badExpiry)).toContain("options.expiresOn");

    const badVersion = await failure(vault.getSecret("ok-name", "../../secrets/other"));
    expect(String(badVersion)).toContain("version: expected a 32-hex-digit version id");

    expect(() => createKeyVault({ vaultUrl: "http://127.0.0.1:1", credential: registryCredential(tokens, issued) })).toThrow(/vaultUrl: expected an https:\/\/ URL/);
    expect(emulator.log.entries).toEqual([]);
    expectClean(badName, [canaryValue]);
  });

  it("reports a credential that cannot get a token, without its secrets", async () => {
    const broken: TokenCredential = {
      async getToken() {
        throw Object.assign(new Error(`token endpoint refused client_secret=${canaryValue}; last token Bearer eyJhbGciOi.eyJhdWQiOi.c2lnbmF0dXJl`), {
          name: "CredentialUnavailableError",
        });
      },
    };
    const vault = createKeyVault({ vaultUrl: emulator.url, credential: broken, retry: fastRetry });
    const error = await failure(vault.setSecret("no-token", new SecretValue(canaryValue), {}));
    expect(error).toMatchObject({ operation: "set secret", secretName: "no-token", code: "CredentialUnavailableError" });
    // The credential's own message may quote a token endpoint's answer (here the value): only its class is kept.
    expect(String(error)).toContain("no token for Key Vault");
    expectClean(error, [canaryValue, "eyJhbGciOi.eyJhdWQiOi.c2lnbmF0dXJl"]);
  });
});

describe("Key Vault adapter against a server that misbehaves", () => {
  // Not Key Vault: a stand-in for a broken proxy that echoes the request (value and Authorization) in its
  // errors and answers reads with malformed bundles. The adapter must not pass any of it on.
  const tokens = new TokenRegistry();
  const issued: string[] = [];
  const challengeHeader = `Bearer authorization="https://login.microsoftonline.com/${tenantId}", resource="https://vault.azure.net"`;
  const echo = new Emulator({
    name: "echoing-proxy",
    errorShape: (status, message) => ({ status, json: { error: { code: "Echo", message } } }),
    routes: [
      {
        name: "put",
        method: "PUT",
        pattern: "/secrets/:name",
        handler: async (req) => {
          if (!req.headers.authorization) return { status: 401, headers: { "www-authenticate": challengeHeader }, json: { error: { code: "Unauthorized", message: "no token" } } };
          const body = (await req.json()) as { value: string };
          return { status: 400, json: { error: { code: "BadParameter", message: `rejected ${body.value} sent with ${req.headers.authorization}` } } };
        },
      },
      {
        name: "get",
        method: "GET",
        pattern: "/secrets/:name",
        handler: (req) => {
          if (!req.headers.authorization) return { status: 401, headers: { "www-authenticate": challengeHeader }, json: { error: { code: "Unauthorized", message: "no token" } } };
          return { status: 200, json: { value: canaryValue, id: `${req.baseUrl}/secrets/${req.params.name}/${"a".repeat(32)}`, attributes: {} } };
        },
      },
    ],
  });

  beforeAll(async () => {
    await echo.start(ensureSandboxTls(defaultTlsDir()));
  });
  afterAll(() => echo.close());

  it("keeps an echoed value and bearer token out of the KeyVaultError", async () => {
    const vault = createKeyVault({ vaultUrl: echo.url, credential: registryCredential(tokens, issued), retry: { maxRetries: 0 } });
    const error = await failure(vault.setSecret("echoed", new SecretValue(canaryValue), {}));
    expect(error).toMatchObject({ status: 400, code: "BadParameter", secretName: "echoed" });
    // Key Vault's message (which echoes the value and the token here) is never quoted: the code and our words are.
    expect(String(error)).toContain("BadParameter");
    expect(String(error)).not.toContain("rejected");
    expectClean(error, [canaryValue, ...issued]);
  });

  it("refuses a bundle without the attributes it relies on, naming the missing field and not the value", async () => {
    const vault = createKeyVault({ vaultUrl: echo.url, credential: registryCredential(tokens, issued), retry: { maxRetries: 0 } });
    const error = await failure(vault.getSecret("malformed"));
    expect(error).toMatchObject({ operation: "get secret", secretName: "malformed" });
    expect(String(error)).toContain("unexpected response: enabled: expected attributes.enabled (boolean)");
    expectClean(error, [canaryValue]);
  });
});
