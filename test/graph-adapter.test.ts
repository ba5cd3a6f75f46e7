import { randomUUID } from "node:crypto";
import { inspect } from "node:util";
import { DefaultAzureCredential } from "@azure/identity";
import { GraphError as SdkGraphError } from "@microsoft/microsoft-graph-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { defaultTlsDir, ensureSandboxTls } from "../sandbox/core/ca.js";
import { startDirectorySandbox, type DirectorySandbox } from "../sandbox/entra/index.js";
import { graphRouteNames, smallTenantWorld } from "../sandbox/graph/index.js";
import { createEntraSecretTester } from "#shared/adapters/entra/index.js";
import { createGraphDirectory, GraphError, type GraphDirectory } from "#shared/adapters/graph/index.js";
import { createGraphClient } from "#shared/adapters/graph/graph-client.js";
import { credentialSignInActivitySchema } from "#shared/adapters/graph/graph-schemas.js";
import { resolveGraphSettings } from "#shared/adapters/graph/settings.js";
import { SecretValue } from "#shared/domain/secret-value.js";

const DAY = 86_400_000;
const issuer = "https://oidc.circleci.com/org/0c9f5e7a-3d21-4b8e-a6f4-92d1c7e3b805";

// The Graph adapter through the real Graph SDK, authenticated by DefaultAzureCredential on the emulated
// managed identity endpoint, against the Graph emulator (pages of 2 so that 5 apps take 3 pages).
describe("Graph adapter (Directory port) against the Graph and Entra emulators", () => {
  let sandbox: DirectorySandbox;
  let directory: GraphDirectory;
  let credential: DefaultAzureCredential;

  const graphToken = async () => (await credential.getToken("https://graph.microsoft.com/.default")).token;
  const routeStatuses = (route: string) => sandbox.graph.log.entries.filter((e) => e.route === route).map((e) => e.status);

  beforeAll(async () => {
    sandbox = await startDirectorySandbox(smallTenantWorld(new Date(), { apps: 5 }), ensureSandboxTls(defaultTlsDir()), { maxPageSize: 2 });
    for (const name of Object.keys(process.env)) if (name.startsWith("AZURE_")) delete process.env[name];
    process.env.IDENTITY_ENDPOINT = sandbox.entra.identityEndpoint;
    process.env.IDENTITY_HEADER = sandbox.state.managedIdentity.identityHeader;
    credential = new DefaultAzureCredential();
    directory = createGraphDirectory({ graphUrl: sandbox.graph.url, credential, retry: { retries: 2, minTimeoutMs: 5, maxTimeoutMs: 20 } });
  });
  afterEach(() => {
    sandbox.graph.faults.clear();
    sandbox.graph.log.clear();
  });
  afterAll(async () => {
    delete process.env.IDENTITY_ENDPOINT;
    delete process.env.IDENTITY_HEADER;
    await sandbox.close();
  });

  it("lists every application across pages, with password metadata and never a value", async () => {
    const apps = await directory.listApplications();
    expect(apps.map((a) => a.appId)).toEqual(sandbox.state.applications.map((a) => a.appId));
    expect(routeStatuses(graphRouteNames.applicationsList)).toEqual([200, 200, 200]);
    expect(sandbox.graph.log.entries[0]!.query).toContain("$top=999");
    const first = sandbox.state.applications[0]!;
    expect(apps[0]).toEqual({
      objectId: first.id,
      appId: first.appId,
      displayName: first.displayName,
      tags: first.tags,
      passwords: [
        {
          keyId: first.passwordCredentials[0]!.keyId,
          displayName: first.passwordCredentials[0]!.displayName,
          startDateTime: first.passwordCredentials[0]!.startDateTime,
          endDateTime: first.passwordCredentials[0]!.endDateTime,
          hint: first.passwordCredentials[0]!.secretText.slice(0, 3),
        },
      ],
      certificates: [],
    });
    const everything = JSON.stringify(apps);
    for (const value of sandbox.state.allSecretValues()) expect(everything).not.toContain(value);
  });

  it("gets an application by client id, and null for an unknown one", async () => {
    const target = sandbox.state.applications[3]!;
    expect((await directory.getApplication(target.appId))?.objectId).toBe(target.id);
    expect(await directory.getApplication(randomUUID())).toBeNull();
    expect(sandbox.graph.log.entries.map((e) => e.query).join(" ")).toContain("$filter=appId%20eq%20");
  });

  it("adds a password whose value then works with ClientSecretCredential, and removes it so that it no longer does", async () => {
    const target = sandbox.state.applications[1]!;
    const tester = createEntraSecretTester({ authorityHost: sandbox.entra.url });
    const endDateTime = new Date(Date.now() + 90 * DAY).toISOString();
    const { password, secret } = await directory.addPassword(target.id, { displayName: "watchdog rotation r-42", endDateTime });

    const stored = target.passwordCredentials.find((p) => p.keyId === password.keyId);
    expect(stored).toBeDefined();
    expect(secret.reveal()).toBe(stored!.secretText);
    expect(password).toMatchObject({ displayName: "watchdog rotation r-42", endDateTime, hint: stored!.secretText.slice(0, 3) });
    expect(JSON.stringify(password)).not.toContain(stored!.secretText);
    expect(`${String(secret)} ${JSON.stringify({ secret })} ${inspect(secret)}`).not.toContain(stored!.secretText);
    expect(await tester.test(sandbox.state.tenantId, target.appId, secret)).toEqual({ ok: true });

    await directory.removePassword(target.id, password.keyId);
    expect(target.passwordCredentials.some((p) => p.keyId === password.keyId)).toBe(false);
    expect(await tester.test(sandbox.state.tenantId, target.appId, secret)).toMatchObject({ ok: false });
    await expect(directory.removePassword(target.id, password.keyId)).resolves.toBeUndefined();
    expect(routeStatuses(graphRouteNames.removePassword)).toEqual([204, 400]);
  });

  it("creates federated credentials up to Entra's limit of 20, treats an identical one as existing and refuses a clash", async () => {
    const target = sandbox.state.addApplication({ displayName: "oidc-target" });
    const fic = (i: number) => ({ name: `cci-${i}`, issuer, subject: `org/o/project/p${i}/user/u`, audiences: ["api://AzureADTokenExchange"] });
    const first = await directory.createFederatedCredential(target.id, { ...fic(0), description: "CircleCI project p0" });
    expect(first).toMatchObject({ ...fic(0), description: "CircleCI project p0" });
    for (let i = 1; i < 20; i++) await directory.createFederatedCredential(target.id, fic(i));

    await expect(directory.createFederatedCredential(target.id, fic(3))).resolves.toMatchObject({ name: "cci-3" });
    const clash = await directory.createFederatedCredential(target.id, { ...fic(4), name: "another-name" }).catch((e: unknown) => e);
    expect(clash).toBeInstanceOf(GraphError);
    expect(clash).toMatchObject({ status: 400, code: "InvalidFederatedIdentityCredentialValue", operation: "createFederatedCredential" });
    const overLimit = await directory.createFederatedCredential(target.id, fic(20)).catch((e: unknown) => e);
    // Graph's words (the limit, in free text) never reach the error: the status and code do, and the product counts the
    // limit itself before it creates (planFederation).
    expect(overLimit).toMatchObject({ status: 400, detail: "Graph refused the request" });
    expect(String(overLimit)).not.toContain("maximum of 20");

    const listed = await directory.listFederatedCredentials(target.id);
    expect(listed.map((f) => f.name).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `cci-${i}`).sort());
    expect(routeStatuses(graphRouteNames.ficList).length).toBeGreaterThan(1);

    await directory.deleteFederatedCredential(target.id, first.id);
    await expect(directory.deleteFederatedCredential(target.id, first.id)).resolves.toBeUndefined();
    expect(target.federatedIdentityCredentials).toHaveLength(19);
  });

  it("$batch through the real Graph client: 20 requests are answered, 21 refused", async () => {
    const client = createGraphClient(resolveGraphSettings({ graphUrl: sandbox.graph.url, credential }));
    const requests = (n: number) => Array.from({ length: n }, (_, i) => ({ id: String(i + 1), method: "GET", url: `/applications/${sandbox.state.applications[i % 5]!.id}` }));
    const ok = (await client.api("/$batch").post({ requests: requests(20) })) as { responses: Array<{ status: number }> };
    expect(ok.responses).toHaveLength(20);
    expect(ok.responses.every((r) => r.status === 200)).toBe(true);
    const refused = await client.api("/$batch").post({ requests: requests(21) }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SdkGraphError);
    expect(refused).toMatchObject({ statusCode: 400, message: expect.stringContaining("limit of 20") });
  });

  it("reads sign-in evidence: a recorded sign-in, none, and unavailable when the tenant has no P1/P2 (403)", async () => {
    const target = sandbox.state.applications[4]!;
    const keyId = target.passwordCredentials[0]!.keyId;
    expect(await directory.lastSignIn(target.appId, keyId)).toEqual({ available: true, lastSignInDateTime: null });

    const tester = createEntraSecretTester({ authorityHost: sandbox.entra.url });
    expect(await tester.test(sandbox.state.tenantId, target.appId, new SecretValue(target.passwordCredentials[0]!.secretText))).toEqual({ ok: true });
    const seen = await directory.lastSignIn(target.appId, keyId);
    expect(seen).toEqual({ available: true, lastSignInDateTime: sandbox.state.signInFor(keyId)!.lastSignInDateTime });

    sandbox.state.signInReportsAvailable = false;
    try {
      const unavailable = await directory.lastSignIn(target.appId, keyId);
      expect(unavailable).toMatchObject({ available: false, reason: expect.stringContaining("403 Authentication_RequestFromNonPremiumTenantOrB2CTenant") });
    } finally {
      sandbox.state.signInReportsAvailable = true;
    }
  });

  it("reads every page of the sign-in report (one activity per resource), and a sign-in the report does not show yet is not there", async () => {
    const target = sandbox.state.applications[3]!;
    const keyId = target.passwordCredentials[0]!.keyId;
    const hour = 3_600_000;
    const at = (hoursAgo: number) => new Date(Date.now() - hoursAgo * hour);
    // Three resources, the latest sign-in on the last page.
    sandbox.state.recordSignIn(target.appId, keyId, at(30), "https://vault.azure.net");
    sandbox.state.recordSignIn(target.appId, keyId, at(20), "https://management.azure.com");
    sandbox.state.recordSignIn(target.appId, keyId, at(10), "https://graph.microsoft.com");
    sandbox.state.signInReport = { timestamps: "offset", shape: "collection", pageSize: 1 };
    try {
      sandbox.graph.log.clear();
      const seen = await directory.lastSignIn(target.appId, keyId);
      expect(seen).toEqual({ available: true, lastSignInDateTime: new Date(Math.floor(at(10).getTime() / 1000) * 1000).toISOString() });
      expect(sandbox.graph.log.entries.filter((e) => e.route === graphRouteNames.signInActivities)).toHaveLength(3);

      // Reported 12 hours late: the newest sign-in is not there yet, the one before it is.
      sandbox.state.signInReport = { timestamps: "utc", shape: "collection", pageSize: 1, delayMs: 12 * hour };
      expect(await directory.lastSignIn(target.appId, keyId)).toEqual({ available: true, lastSignInDateTime: sandbox.state.signInHistory.get(keyId.toLowerCase())![1]!.at });
      sandbox.state.signInReport = { timestamps: "utc", shape: "object", delayMs: 40 * hour };
      expect(await directory.lastSignIn(target.appId, keyId)).toEqual({ available: true, lastSignInDateTime: null });
    } finally {
      sandbox.state.signInReport = { timestamps: "utc", shape: "collection" };
    }
  });

  it("accepts both spellings the sign-in activity docs use (expirationDate/expirationDateTime, keyType secret/clientSecret)", () => {
    const keyId = randomUUID();
    for (const item of [
      { keyId, keyType: "secret", expirationDate: "2027-01-01T00:00:00Z", signInActivity: { lastSignInDateTime: "2026-01-01T00:00:00Z" } },
      { keyId, keyType: "clientSecret", expirationDateTime: "2027-01-01T00:00:00Z", signInActivity: null },
    ]) {
      expect(credentialSignInActivitySchema.safeParse(item).success).toBe(true);
    }
  });

  it("waits out a 429's Retry-After, then succeeds", async () => {
    const target = sandbox.state.applications[2]!;
    // Every second request is throttled: the first call passes, the second is refused once, then retried.
    sandbox.graph.faults.set(graphRouteNames.applicationsList, { rateLimitEvery: 2, retryAfterSeconds: 1 });
    await directory.getApplication(target.appId);
    const started = Date.now();
    expect((await directory.getApplication(target.appId))?.objectId).toBe(target.id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(routeStatuses(graphRouteNames.applicationsList)).toEqual([200, 429, 200]);
  });

  it("gives up on a persistent 500 with a GraphError that names the call and holds no token or secret", async () => {
    sandbox.graph.faults.set(graphRouteNames.applicationsList, { failTimes: 100, failStatus: 500 });
    const error = await directory.listApplications().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphError);
    expect(error).toMatchObject({ operation: "listApplications", method: "GET", path: "/applications", status: 500, code: "InternalServerError", attempts: 3 });
    expect((error as Error).message).toMatch(/^Graph listApplications failed after 3 attempts: GET \/applications -> 500 InternalServerError: /);
    expect(routeStatuses(graphRouteNames.applicationsList)).toEqual([500, 500, 500]);

    const token = await graphToken();
    const printed = [String(error), (error as Error).stack ?? "", inspect(error, { depth: 5 }), JSON.stringify(error)].join("\n");
    expect(printed).not.toContain(token);
    expect(printed).not.toMatch(/eyJ[\w-]{8,}/);
    for (const value of sandbox.state.allSecretValues()) expect(printed).not.toContain(value);
  });

  it("does not repeat addPassword after a 5xx (it may have minted a password), but does after a 429", async () => {
    const target = sandbox.state.applications[0]!;
    const request = { displayName: "r-500", endDateTime: new Date(Date.now() + 30 * DAY).toISOString() };
    sandbox.graph.faults.set(graphRouteNames.addPassword, { failTimes: 1, failStatus: 503 });
    const error = await directory.addPassword(target.id, request).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503, attempts: 1, operation: "addPassword" });
    expect(routeStatuses(graphRouteNames.addPassword)).toEqual([503]);

    sandbox.graph.faults.set(graphRouteNames.addPassword, { rateLimitEvery: 2, retryAfterSeconds: 0 });
    await directory.addPassword(target.id, request);
    const { password } = await directory.addPassword(target.id, request);
    expect(routeStatuses(graphRouteNames.addPassword)).toEqual([503, 200, 429, 200]);
    expect(target.passwordCredentials.some((p) => p.keyId === password.keyId)).toBe(true);
  });

  it("refuses settings that would send tokens nowhere or in clear text, naming GRAPH_API_URL", () => {
    expect(() => createGraphDirectory({ graphUrl: "http://127.0.0.1:1", credential })).toThrow(/graphUrl \(GRAPH_API_URL\) must be an https/);
    expect(() => createGraphDirectory({ graphUrl: "https://graph.microsoft.com/v1.0", credential })).toThrow(/without a path/);
    expect(resolveGraphSettings({ credential }).scope).toBe("https://graph.microsoft.com/.default");
    expect(resolveGraphSettings({ graphUrl: "https://graph.microsoft.us", credential }).scope).toBe("https://graph.microsoft.us/.default");
    expect(resolveGraphSettings({ graphUrl: sandbox.graph.url, credential }).scope).toBe("https://graph.microsoft.com/.default");
  });
});
