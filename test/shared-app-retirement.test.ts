import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpRequest, InvocationContext, type Timer } from "@azure/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planHandler } from "../functions/http-plan.js";
import { reportHandler } from "../functions/http-report.js";
import { createWatchdogTimer } from "../functions/timer.js";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { demoIds, demoPasswordKeyId, demoPasswordValue, demoWorld } from "../sandbox/world/demo.js";
import { createAzureStateStore } from "#shared/adapters/state/azure/index.js";
import type { StateStore } from "#shared/ports/state-store.js";
import { startAzurite, type Azurite } from "./support/azurite.js";
import { TestClock } from "./support/rotation-sandbox.js";

// Issue 10 items 3 and 4, through the timer and HTTP function handlers over the sandbox:
// - item 4: prod-deploy rotates an app whose only password a watch credential (prod-mirror) also holds in another
//   context. The rotation must keep that password, and say why (plan, journal, report) with the next step.
// - item 3: staging-deploy's Key Vault secret still holds a version written for another credential (staging-b,
//   once sharing the secret), naming staging-b's live password. Retiring must honour only staging-deploy's own
//   versions: staging-b's password stays, its version is not disabled.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const stagingBKeyId = "0b5e7f2a-9c41-4d3e-8a6b-7c2d1e0f9a34";
const stagingBValue = "Zq48Q~staging-b-secret-value-0123456789abcdefgh";

const policyYaml = `version: 1
credentials:
  - name: prod-deploy
    circleci: { context: prod-deploy, variable: AZURE_CLIENT_SECRET }
    entra: { appId: ${demoIds.apps.deployProd} }
    action: rotate
    rotation: { validityDays: 90, rotateBeforeDays: 14, overlapHours: 24 }
    keyVault: { secretName: cci-prod-deploy }
  - name: prod-mirror
    circleci: { context: prod-mirror, variable: AZURE_CLIENT_SECRET }
    entra: { appId: ${demoIds.apps.deployProd} }
    action: watch
  - name: staging-deploy
    circleci: { context: staging-deploy, variable: AZURE_CLIENT_SECRET }
    entra: { appId: ${demoIds.apps.deployStaging} }
    action: rotate
    rotation: { validityDays: 90, rotateBeforeDays: 14, overlapHours: 24 }
  - name: staging-b
    circleci: { context: staging-b, variable: AZURE_CLIENT_SECRET }
    entra: { appId: ${demoIds.apps.deployStaging} }
    action: watch
`;

const timer: Timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };
const logs: string[] = [];
const context = (name: string) =>
  new InvocationContext({ invocationId: `shared-${name}`, functionName: name, logHandler: (level, ...args) => logs.push(`${level} ${args.map(String).join(" ")}`) });
const get = (path: string) => new HttpRequest({ method: "GET", url: `http://localhost:7071${path}` });

let clock: TestClock;
let sandbox: Sandbox;
let azurite: Azurite;
let store: StateStore;

function world(now: Date) {
  const spec = demoWorld(now);
  const at = (days: number) => new Date(now.getTime() + days * DAY).toISOString();
  // prod-mirror: the same (only) password of the prod app, in a second context.
  spec.circleci.contexts.push({
    id: "6f0d2c4e-8a1b-4c3d-9e5f-7a6b5c4d3e2f",
    name: "prod-mirror",
    createdAt: at(-60),
    variables: [{ name: "AZURE_CLIENT_SECRET", value: demoPasswordValue("deployProd"), createdAt: at(-30), updatedAt: at(-30) }],
  });
  // staging-b: a second password of the staging app, in its own context ...
  spec.circleci.contexts.push({
    id: "7e1c3b5d-9f2a-4b4c-8d6e-6b5a4c3d2e1f",
    name: "staging-b",
    createdAt: at(-60),
    variables: [{ name: "AZURE_CLIENT_SECRET", value: stagingBValue, createdAt: at(-20), updatedAt: at(-20) }],
  });
  const stagingApp = spec.entra.applications.find((a) => a.appId === demoIds.apps.deployStaging)!;
  stagingApp.passwordCredentials.push({ keyId: stagingBKeyId, displayName: "staging-b", startDateTime: at(-20), endDateTime: at(4), secretText: stagingBValue });
  // ... and named by the latest version of staging-deploy's secret, written for staging-b when the two shared it.
  spec.keyVault.secrets
    .find((s) => s.name === "cci-staging-deploy")!
    .versions.push({
      value: stagingBValue,
      contentType: "text/plain",
      tags: { appId: demoIds.apps.deployStaging, keyId: stagingBKeyId, managedBy: "secret-watchdog", credential: "staging-b" },
      expiresOn: at(4),
      createdOn: at(-20),
      enabled: true,
    });
  return spec;
}

async function entraAccepts(appId: string, secret: string | undefined): Promise<boolean> {
  if (!secret) return false;
  const form = new URLSearchParams({ client_id: appId, client_secret: secret, scope: "https://graph.microsoft.com/.default", grant_type: "client_credentials" });
  const response = await fetch(`${sandbox.directory.entra.url}/${demoIds.tenantId}/oauth2/v2.0/token`, { method: "POST", body: form });
  await response.arrayBuffer();
  return response.status === 200;
}

const keyIdsOf = (appId: string) => sandbox.directory.state.appByAppId(appId)!.passwordCredentials.map((p) => p.keyId);

beforeAll(async () => {
  clock = new TestClock();
  sandbox = await startSandbox(world(clock.now()), { now: clock.now });
  azurite = await startAzurite();
  const dir = mkdtempSync(join(tmpdir(), "watchdog-shared-app-"));
  const policyPath = join(dir, "policy.yaml");
  writeFileSync(policyPath, policyYaml);
  Object.assign(process.env, sandbox.env, { WATCHDOG_POLICY: policyPath, AzureWebJobsStorage: azurite.connectionString });
  store = createAzureStateStore({ connectionString: azurite.connectionString });
});
afterAll(async () => {
  await sandbox?.close();
  await azurite?.stop();
});

describe("retirement on an app other policy credentials also bind", () => {
  const note = /the app's only password is kept after the overlap: credential prod-mirror of the policy also binds Entra app 11111111-2222-3333-4444-555555555555 and may hold it\. Next step: bind both variables to one rotating credential, or rotate both/;

  it("the plan says before rotating that prod-deploy will keep the app's only password, and why (item 4)", async () => {
    const response = await planHandler(get("/api/plan"), context("plan"));
    expect(response.status).toBe(200);
    const plan = response.jsonBody as { steps: Array<{ kind: string; credential: string; note?: string }> };
    expect(plan.steps.find((s) => s.credential === "prod-deploy")).toMatchObject({ kind: "rotate", note: expect.stringMatching(note) });
    const report = await reportHandler(get("/api/report"), context("report"));
    // The page escapes text; read it back as a person would.
    const text = String(report.body).replace(/&#(x27|39);/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, "&");
    expect(text).toMatch(note);
  });

  const journal = async (credential: string) => (await store.get<{ state: string; retire: { keyIds: string[]; note?: string } }>("journal", credential))!.value;

  it("two cycles a day apart rotate both and retire after the overlap", async () => {
    const runTimer = createWatchdogTimer({ now: clock.now });
    await runTimer(timer, context("watchdog-1"));
    clock.advance(DAY + HOUR);
    await runTimer(timer, context("watchdog-2"));
    expect((await journal("prod-deploy")).state).toBe("retired");
    expect((await journal("staging-deploy")).state).toBe("retired");
  });

  it("item 4: prod-deploy's retirement keeps the app's only password, which prod-mirror holds, and the journal says why", async () => {
    const prod = await journal("prod-deploy");
    // The prod app's original password stays, prod-mirror still signs in, and the journal says why.
    expect(prod.retire).toMatchObject({ keyIds: [], note: expect.stringMatching(note) });
    expect(keyIdsOf(demoIds.apps.deployProd)).toContain(demoPasswordKeyId("deployProd"));
    expect(await entraAccepts(demoIds.apps.deployProd, sandbox.circleci.state.contextValue("prod-mirror", "AZURE_CLIENT_SECRET"))).toBe(true);
    expect(await entraAccepts(demoIds.apps.deployProd, sandbox.circleci.state.contextValue("prod-deploy", "AZURE_CLIENT_SECRET"))).toBe(true);
  });

  it("item 3: staging-deploy's retirement honours only its own Key Vault versions: staging-b's live password stays", async () => {
    const staging = await journal("staging-deploy");
    // staging-deploy retired its own old password (named by its own, untagged version), not staging-b's.
    expect(staging.retire.keyIds).toEqual([demoPasswordKeyId("deployStaging")]);
    expect(keyIdsOf(demoIds.apps.deployStaging)).toContain(stagingBKeyId);
    expect(keyIdsOf(demoIds.apps.deployStaging)).not.toContain(demoPasswordKeyId("deployStaging"));
    expect(await entraAccepts(demoIds.apps.deployStaging, sandbox.circleci.state.contextValue("staging-b", "AZURE_CLIENT_SECRET"))).toBe(true);
    expect(await entraAccepts(demoIds.apps.deployStaging, sandbox.circleci.state.contextValue("staging-deploy", "AZURE_CLIENT_SECRET"))).toBe(true);
    // staging-b's version is not disabled: it is not staging-deploy's record.
    const versions = sandbox.keyVault.state.versions("cci-staging-deploy");
    expect(versions.find((v) => v.tags.credential === "staging-b")?.enabled).toBe(true);
  });
});
