import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvocationContext, type Timer } from "@azure/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWatchdogTimer } from "../functions/timer.js";
import { graphRouteNames } from "../sandbox/graph/index.js";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { demoIds, demoPasswordKeyId, demoPasswordValue, demoWorld } from "../sandbox/world/demo.js";
import { createAzureStateStore } from "#shared/adapters/state/azure/index.js";
import type { StateStore } from "#shared/ports/state-store.js";
import { startAzurite, type Azurite } from "./support/azurite.js";
import { leakedSecrets, secretValuesOf } from "./support/canaries.js";
import { TestClock } from "./support/rotation-sandbox.js";

// Issue 10 item 6, through the timer handler over the sandbox: a credential's Key Vault secret exists only as a
// soft-deleted secret. Key Vault refuses to reuse the name (409 ObjectIsDeletedButRecoverable), so a rotation
// that mints first makes a password it can never store — every cycle. Over N cycles:
// - staging-deploy's deleted secret is not the watchdog's (its tags name no credential): nothing is minted, each
//   cycle fails naming the secret and both ways out, and one alert goes out;
// - prod-deploy's deleted secret is its own (tagged credential: prod-deploy): recovered (asynchronously, as Key
//   Vault does), then the rotation goes on with one addPassword.

const HOUR = 3_600_000;
const CYCLES = 4;

const policyYaml = `version: 1
alerts:
  webhooks:
    - name: ops
      kind: generic
      url: \${OPS_WEBHOOK_URL}
      signingSecret: \${OPS_WEBHOOK_SECRET}
credentials:
  - name: prod-deploy
    circleci: { context: prod-deploy, variable: AZURE_CLIENT_SECRET }
    entra: { appId: ${demoIds.apps.deployProd} }
    action: rotate
    rotation: { validityDays: 90, rotateBeforeDays: 14, overlapHours: 24 }
  - name: staging-deploy
    circleci: { context: staging-deploy, variable: AZURE_CLIENT_SECRET }
    entra: { appId: ${demoIds.apps.deployStaging} }
    action: rotate
    rotation: { validityDays: 90, rotateBeforeDays: 14, overlapHours: 24 }
`;

const timer: Timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };
const logs: string[] = [];
const context = (name: string) =>
  new InvocationContext({ invocationId: `deleted-${name}`, functionName: "watchdog", logHandler: (level, ...args) => logs.push(`${level} ${args.map(String).join(" ")}`) });

let clock: TestClock;
let sandbox: Sandbox;
let azurite: Azurite;
let store: StateStore;
let canaries: string[];
const failures: string[] = [];

async function entraAccepts(appId: string, secret: string | undefined): Promise<boolean> {
  if (!secret) return false;
  const form = new URLSearchParams({ client_id: appId, client_secret: secret, scope: "https://graph.microsoft.com/.default", grant_type: "client_credentials" });
  const response = await fetch(`${sandbox.directory.entra.url}/${demoIds.tenantId}/oauth2/v2.0/token`, { method: "POST", body: form });
  await response.arrayBuffer();
  return response.status === 200;
}

beforeAll(async () => {
  clock = new TestClock();
  const world = demoWorld(clock.now());
  sandbox = await startSandbox(world, { now: clock.now });
  canaries = secretValuesOf(world, [sandbox.signingSecret]);
  // prod-deploy's secret, last written by the watchdog for prod-deploy, then deleted by someone.
  sandbox.keyVault.state.addVersion("cci-prod-deploy", {
    value: demoPasswordValue("deployProd"),
    contentType: "text/plain",
    tags: { appId: demoIds.apps.deployProd, keyId: demoPasswordKeyId("deployProd"), rotationId: "r-earlier", credential: "prod-deploy", managedBy: "secret-watchdog" },
  });
  sandbox.keyVault.state.softDelete("cci-prod-deploy");
  // staging-deploy's secret, deleted too, but nothing says the watchdog wrote it for staging-deploy.
  sandbox.keyVault.state.softDelete("cci-staging-deploy");
  // Key Vault recovers asynchronously: the secret reads 404 for a while after the recover request.
  sandbox.keyVault.state.recoveryDelayMs = 300;

  azurite = await startAzurite();
  const dir = mkdtempSync(join(tmpdir(), "watchdog-deleted-secret-"));
  const policyPath = join(dir, "policy.yaml");
  writeFileSync(policyPath, policyYaml);
  Object.assign(process.env, sandbox.env, { WATCHDOG_POLICY: policyPath, AzureWebJobsStorage: azurite.connectionString });
  store = createAzureStateStore({ connectionString: azurite.connectionString });

  const runTimer = createWatchdogTimer({ now: clock.now });
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    await runTimer(timer, context(`cycle-${cycle}`)).catch((error: unknown) => failures.push(error instanceof Error ? error.message : String(error)));
    clock.advance(HOUR);
  }
}, 120_000);
afterAll(async () => {
  await sandbox?.close();
  await azurite?.stop();
});

describe("a Key Vault secret name held by a soft-deleted secret", () => {
  it(`${CYCLES} cycles make one addPassword in all: prod-deploy's, after its own deleted secret was recovered`, () => {
    expect(sandbox.log.count((e) => e.route === graphRouteNames.addPassword)).toBe(1);
    const minted = sandbox.directory.state.appByAppId(demoIds.apps.deployStaging)!.passwordCredentials;
    expect(minted.map((p) => p.keyId)).toEqual([demoPasswordKeyId("deployStaging")]);
  });

  it("recovers prod-deploy's own deleted secret, keeps its versions, and completes the rotation through it", async () => {
    expect(sandbox.keyVault.state.deleted.has("cci-prod-deploy")).toBe(false);
    const versions = sandbox.keyVault.state.versions("cci-prod-deploy");
    expect(versions.map((v) => v.tags.rotationId ?? "seeded")).toEqual(["seeded", "r-earlier", expect.any(String)]);
    const value = sandbox.circleci.state.contextValue("prod-deploy", "AZURE_CLIENT_SECRET");
    expect(value).toBe(versions[2]!.value);
    expect(await entraAccepts(demoIds.apps.deployProd, value)).toBe(true);
    const journal = (await store.get<{ state: string }>("journal", "prod-deploy"))!.value;
    expect(journal.state).toBe("pushed");
    expect((await store.listAudit()).some((e) => e.event === "rotation.vault-recovered" && e.subject === "prod-deploy")).toBe(true);
  });

  it("stops staging-deploy at its start step every cycle, and leaves the deleted secret and CircleCI as they were", () => {
    expect(failures).toHaveLength(CYCLES);
    for (const failure of failures) expect(failure).toContain('rotate staging-deploy: staging-deploy: rotation stopped at step "start"');
    expect(sandbox.keyVault.state.deleted.has("cci-staging-deploy")).toBe(true);
    expect(sandbox.circleci.state.contextValue("staging-deploy", "AZURE_CLIENT_SECRET")).toBe(demoPasswordValue("deployStaging"));
  });

  it("raises one rotation-failed alert for it, not one per cycle, naming the secret and the two ways out", async () => {
    // Recorded in the outbox; a Function App never sends to the sandbox's loopback receivers.
    const records = (await store.list<{ alert?: { kind: string; credential: string; nextStep: string }; sink: string }>("outbox")).filter(
      (r) => r.value.sink === "ops" && r.value.alert?.kind === "rotation-failed" && r.value.alert.credential === "staging-deploy",
    );
    expect(records).toHaveLength(1);
    const body = { data: records[0]!.value.alert! };
    expect(body.data.nextStep).toContain('Key Vault secret "cci-staging-deploy" exists only as a deleted secret');
    expect(body.data.nextStep).toContain("nothing was minted");
    expect(body.data.nextStep).toContain("az keyvault secret recover --vault-name <vault> --name cci-staging-deploy");
    expect(body.data.nextStep).toContain("az keyvault secret purge --vault-name <vault> --name cci-staging-deploy");
  });

  it("no secret value reached a log line, an error or a webhook", () => {
    const everything = [...new Set([...canaries, ...sandbox.directory.state.allSecretValues()])];
    expect(leakedSecrets([...logs, ...failures].join("\n"), everything)).toEqual([]);
    expect(leakedSecrets(sandbox.receiver.received.map((h) => h.rawBody).join("\n"), everything)).toEqual([]);
  });
});
