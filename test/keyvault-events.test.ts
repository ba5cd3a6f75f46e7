import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvocationContext, type Timer } from "@azure/functions";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { keyVaultEventHandler, keyVaultEventsRegistration } from "../functions/keyvault-events.js";
import { watchdogTimer } from "../functions/timer.js";
import { graphRouteNames } from "../sandbox/graph/index.js";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { demoIds, demoPasswordValue, demoPolicyYaml, demoWorld } from "../sandbox/world/demo.js";
import { createAzureStateStore } from "#shared/adapters/state/azure/index.js";
import type { StateStore } from "#shared/ports/state-store.js";
import { startAzurite, type Azurite } from "./support/azurite.js";
import { leakedSecrets, secretValuesOf, webhookUrlsOf } from "./support/canaries.js";

// keyVaultEvents end to end: Event Grid events built as Key Vault publishes them (both delivery schemas, the stray
// spaces of Microsoft's own sample included), handed to the function as the host would, against the sandbox's
// CircleCI, Entra and Key Vault, with state in Azurite. Alerts to the sandbox's loopback receivers are refused inside
// a Function App: they are read from the outbox.

type OutboxAlert = { alert?: { id: string; kind: string; credential: string; title: string; nextStep: string; severity: string }; sink: string };

let sandbox: Sandbox;
let azurite: Azurite;
let store: StateStore;
let canaries: string[];
const logs: string[] = [];
const vaultName = "acme-ci-secrets";
const handSetValue = "hand-set-canary-4f1d9a2c7e";
const timer: Timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };

function context(id: string): InvocationContext {
  return new InvocationContext({ invocationId: `test-${id}`, functionName: "keyVaultEvents", logHandler: (level, ...args) => logs.push(`${level} ${args.map(String).join(" ")}`) });
}

const topic = `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-watchdog/providers/Microsoft.KeyVault/vaults/${vaultName}`;
const unix = (iso: string | undefined) => String(Math.floor(Date.parse(iso ?? "2026-01-01T00:00:00Z") / 1000));

/** The `data` of a secret event, spelled exactly as the sample of learn.microsoft.com/azure/event-grid/event-schema-key-vault. */
function sampleData(secretName: string, version: string, options: { vault?: string; expiresOn?: string } = {}) {
  const vault = options.vault ?? vaultName;
  return {
    Id: `https://${vault}.vault.azure.net/secrets/${secretName}/${version}`,
    VaultName: vault,
    ObjectType: "Secret",
    "ObjectName ": secretName,
    Version: ` ${version}`,
    NBF: "1559081980",
    EXP: unix(options.expiresOn),
  };
}

function eventGridEvent(type: string, data: unknown, id: string = crypto.randomUUID()) {
  return { id, topic, subject: "secret", eventType: type, eventTime: new Date().toISOString(), data, dataVersion: "1", metadataVersion: "1" };
}

function cloudEvent(type: string, data: unknown, id: string = crypto.randomUUID()) {
  return { id, source: topic, subject: "secret", type, time: new Date().toISOString(), data, specversion: "1.0" };
}

function latestVersion(secretName: string) {
  const latest = sandbox.keyVault.state.latest(secretName);
  if (!latest) throw new Error(`no secret ${secretName} in the sandbox vault`);
  return latest;
}

const outboxAlerts = async () => (await store.list<OutboxAlert>("outbox")).map((r) => r.value).filter((v) => v.alert);
const addPasswords = () => sandbox.log.count((e) => e.route === graphRouteNames.addPassword);

beforeAll(async () => {
  const world = demoWorld(new Date());
  sandbox = await startSandbox(world);
  azurite = await startAzurite();
  const dir = mkdtempSync(join(tmpdir(), "watchdog-kv-events-"));
  writeFileSync(join(dir, "policy.yaml"), demoPolicyYaml);
  Object.assign(process.env, sandbox.env, { WATCHDOG_POLICY: join(dir, "policy.yaml"), AzureWebJobsStorage: azurite.connectionString });
  store = createAzureStateStore({ connectionString: azurite.connectionString });
  canaries = secretValuesOf(world, [sandbox.signingSecret, azurite.connectionString, handSetValue, ...webhookUrlsOf(sandbox.env)]);
});
afterAll(async () => {
  await sandbox?.close();
  await azurite?.stop();
});
afterEach(() => {
  for (const emulator of [sandbox.directory.graph, sandbox.directory.entra, sandbox.keyVault, sandbox.circleci]) emulator.faults.clear();
});

describe("keyVaultEvents (Event Grid trigger)", () => {
  it("is registered as an Event Grid trigger, and the sandbox names its vault as events do", () => {
    expect(keyVaultEventsRegistration).toMatchObject({ handler: keyVaultEventHandler });
    expect(sandbox.env.KEY_VAULT_NAME).toBe(vaultName);
  });

  it("refuses malformed events, naming what and where, and changes nothing", async () => {
    sandbox.log.clear();
    const version = latestVersion("cci-prod-deploy").version;
    const good = sampleData("cci-prod-deploy", version);
    const nearExpiry = "Microsoft.KeyVault.SecretNearExpiry";
    const cases: Array<[unknown, RegExp]> = [
      [null, /Event Grid event: \(event\): /],
      ["not an event", /Event Grid event: \(event\): /],
      [{ ...eventGridEvent(nearExpiry, good), eventType: undefined }, /Event Grid event: eventType: expected a string/],
      [{ ...cloudEvent(nearExpiry, good), specversion: "0.3" }, /CloudEvents event: specversion: expected "1\.0"/],
      [eventGridEvent(nearExpiry, { ...good, VaultName: 42 }), /event [0-9a-f-]+ \(Microsoft\.KeyVault\.SecretNearExpiry\): data\.VaultName: expected a string/],
      [eventGridEvent(nearExpiry, { ...good, VaultName: `https://${vaultName}.vault.azure.net` }), /data\.VaultName: expected a vault name .*not a URL/],
      [cloudEvent(nearExpiry, { ...good, EXP: "tomorrow" }), /data\.EXP: expected Unix seconds/],
      [eventGridEvent(nearExpiry, { ...good, ObjectType: "Key" }), /data\.ObjectType: expected "Secret"/],
      [eventGridEvent(nearExpiry, { ...good, Version: "v1" }), /data\.Version: expected a 32-hex-digit version id/],
      [eventGridEvent(nearExpiry, { ...good, "ObjectName ": undefined }), /data\.ObjectName: expected a string/],
      [eventGridEvent(nearExpiry, { ...good, objectName: "other", "ObjectName ": "cci-prod-deploy" }), /data: two keys for "objectname"/],
      [eventGridEvent(nearExpiry, { ...good, Id: `https://${vaultName}.vault.azure.net/secrets/cci-other/${version}` }), /data\.Id: its path does not name \/secrets\/<data\.ObjectName>/],
      [eventGridEvent(nearExpiry, "data"), /data: expected an object/],
    ];
    for (const [index, [event, expected]] of cases.entries()) {
      logs.length = 0;
      await expect(keyVaultEventHandler(event, context(`malformed-${index}`))).resolves.toBeUndefined();
      expect(logs, `case ${index}`).toHaveLength(1);
      expect(logs[0], `case ${index}`).toMatch(/^error Key Vault event refused, nothing changed: /);
      expect(logs[0], `case ${index}`).toMatch(expected);
    }
    expect(sandbox.log.entries).toEqual([]);
    expect(await store.list("outbox")).toEqual([]);
  });

  it("ignores other event types, other vaults and secrets no credential keeps: logged, no call anywhere", async () => {
    sandbox.log.clear();
    logs.length = 0;
    const prod = latestVersion("cci-prod-deploy").version;
    const docker = latestVersion("docker-hub-password").version;
    await keyVaultEventHandler(eventGridEvent("Microsoft.KeyVault.KeyNearExpiry", { Id: "https://x.vault.azure.net/keys/k/1" }, "other-type"), context("other-type"));
    await keyVaultEventHandler(eventGridEvent("Microsoft.KeyVault.SecretNearExpiry", sampleData("cci-prod-deploy", prod, { vault: "someone-elses-vault" }), "other-vault"), context("other-vault"));
    await keyVaultEventHandler(cloudEvent("Microsoft.KeyVault.SecretNewVersionCreated", sampleData("docker-hub-password", docker), "unknown-secret"), context("unknown-secret"));
    expect(logs).toEqual([
      "information Key Vault event other-type ignored: event type Microsoft.KeyVault.KeyNearExpiry is not one the watchdog acts on",
      `information Key Vault event other-vault ignored: vault someone-elses-vault is not KEY_VAULT_URL's (${vaultName})`,
      "information Key Vault event unknown-secret ignored: secret docker-hub-password is no policy credential's",
    ]);
    expect(sandbox.log.entries).toEqual([]);
    expect(await store.list("outbox")).toEqual([]);
  });

  it("SecretNearExpiry (Microsoft's sample spelling) for a due credential rotates it; the same event again does nothing more", async () => {
    const before = latestVersion("cci-prod-deploy");
    const event = eventGridEvent("Microsoft.KeyVault.SecretNearExpiry", sampleData("cci-prod-deploy", before.version, { expiresOn: before.expiresOn }), "near-expiry-prod");
    await keyVaultEventHandler(event, context("near-expiry-1"));

    const after = latestVersion("cci-prod-deploy");
    expect(after.version).not.toBe(before.version);
    expect(after.tags).toMatchObject({ managedBy: "secret-watchdog", credential: "prod-deploy" });
    const pushed = sandbox.circleci.state.contextValue("prod-deploy", "AZURE_CLIENT_SECRET");
    expect(pushed).toBe(after.value);
    expect(pushed).not.toBe(demoPasswordValue("deployProd"));
    const minted = sandbox.directory.state.appByAppId(demoIds.apps.deployProd)!.passwordCredentials.filter((p) => p.displayName?.startsWith("watchdog-rotation:prod-deploy:"));
    expect(minted.map((p) => p.secretText)).toEqual([pushed]);
    // Only this credential: staging-deploy is due too, and left to the timer.
    expect(sandbox.circleci.state.contextValue("staging-deploy", "AZURE_CLIENT_SECRET")).toBe(demoPasswordValue("deployStaging"));
    expect(addPasswords()).toBe(1);
    const audit = await store.listAudit();
    expect(audit.find((e) => e.event === "rotation.pushed")).toMatchObject({ actor: "event", subject: "prod-deploy" });
    expect(logs.at(-1)).toMatch(/^information Key Vault event near-expiry-prod for prod-deploy: watchdog cycle \(event\)/);
    // Alerts speak of the world after the rotation, of this credential alone.
    const outbox = await outboxAlerts();
    expect(outbox.filter((r) => r.alert!.credential !== "prod-deploy")).toEqual([]);
    expect(outbox.filter((r) => r.alert!.kind === "expiring")).toEqual([]);

    // Event Grid delivers at least once: the redelivery finds the rotation waiting out its overlap.
    const outboxSize = (await store.list("outbox")).length;
    sandbox.log.clear();
    await keyVaultEventHandler(event, context("near-expiry-2"));
    expect(latestVersion("cci-prod-deploy").version).toBe(after.version);
    expect(sandbox.circleci.state.contextValue("prod-deploy", "AZURE_CLIENT_SECRET")).toBe(pushed);
    expect(sandbox.log.count((e) => e.method !== "GET")).toBe(0);
    expect((await store.list("outbox")).length).toBe(outboxSize);
  });

  it("SecretNewVersionCreated for the version the watchdog wrote is ignored, on the tags Key Vault holds (CloudEvents schema)", async () => {
    const own = latestVersion("cci-prod-deploy");
    sandbox.log.clear();
    logs.length = 0;
    await keyVaultEventHandler(cloudEvent("Microsoft.KeyVault.SecretNewVersionCreated", sampleData("cci-prod-deploy", own.version, { expiresOn: own.expiresOn }), "own-version"), context("own-version"));
    expect(logs).toEqual([`information Key Vault event own-version ignored: version ${own.version} of prod-deploy's secret was written by the watchdog`]);
    // One read of the versions, nothing else.
    expect(sandbox.log.entries.filter((e) => e.method !== "GET")).toEqual([]);
    expect(sandbox.log.count((e) => e.route === graphRouteNames.addPassword)).toBe(0);
  });

  it("SecretNewVersionCreated for a version set by hand raises one vault-changed alert and runs the credential's cycle: nothing rotated or removed", async () => {
    const pushed = sandbox.circleci.state.contextValue("prod-deploy", "AZURE_CLIENT_SECRET");
    const passwords = sandbox.directory.state.appByAppId(demoIds.apps.deployProd)!.passwordCredentials.length;
    // Someone sets the secret by hand, and copies the event's claim of being ours: only Key Vault's tags count.
    const { version } = sandbox.keyVault.state.addVersion("cci-prod-deploy", { value: handSetValue, tags: { owner: "alice" } });
    const event = eventGridEvent("Microsoft.KeyVault.SecretNewVersionCreated", { ...sampleData("cci-prod-deploy", version.version), Tags: { managedBy: "secret-watchdog" } }, "hand-set");
    sandbox.log.clear();
    await keyVaultEventHandler(event, context("hand-set-1"));

    const changed = (await outboxAlerts()).filter((r) => r.alert!.kind === "vault-changed");
    expect(changed.map((r) => r.sink).sort()).toEqual(["ops", "platform-slack", "platform-teams"]);
    expect(changed[0]!.alert).toMatchObject({
      credential: "prod-deploy",
      severity: "warning",
      title: `prod-deploy: Key Vault secret cci-prod-deploy got version ${version.version}, not written by the watchdog`,
      nextStep: expect.stringContaining("watchdog rotate prod-deploy"),
    });
    expect(logs.at(-1)).toContain(`version ${version.version} was not written by the watchdog (vault-changed alert)`);
    // The pipeline keeps the value the watchdog pushed; no password minted or removed.
    expect(sandbox.circleci.state.contextValue("prod-deploy", "AZURE_CLIENT_SECRET")).toBe(pushed);
    expect(addPasswords()).toBe(0);
    expect(sandbox.log.count((e) => e.route === graphRouteNames.removePassword)).toBe(0);
    expect(sandbox.directory.state.appByAppId(demoIds.apps.deployProd)!.passwordCredentials).toHaveLength(passwords);

    const outboxSize = (await store.list("outbox")).length;
    await keyVaultEventHandler(event, context("hand-set-2"));
    expect((await store.list("outbox")).length).toBe(outboxSize);
  });

  it("SecretExpired (CloudEvents schema) alerts for that credential alone", async () => {
    const vault = sandbox.keyVault.state.addVersion("cci-legacy-reports", { value: "legacy-reports-value-canary", expiresOn: new Date(Date.now() - 6 * 86_400_000).toISOString() });
    canaries.push("legacy-reports-value-canary");
    await keyVaultEventHandler(cloudEvent("Microsoft.KeyVault.SecretExpired", sampleData("cci-legacy-reports", vault.version.version, { expiresOn: vault.version.expiresOn })), context("expired"));
    const alerts = (await outboxAlerts()).map((r) => r.alert!);
    // One per sink; legacy-reports' variable is also past inventory.maxAgeDays, which the same plan says.
    const legacy = alerts.filter((a) => a.credential === "legacy-reports");
    expect(legacy.filter((a) => a.kind === "expired")).toHaveLength(3);
    expect(new Set(legacy.map((a) => a.kind))).toEqual(new Set(["expired", "long-lived"]));
    expect(alerts.filter((a) => a.credential === "data-pipeline")).toEqual([]);
    expect(new Set(alerts.map((a) => a.credential))).toEqual(new Set(["prod-deploy", "legacy-reports"]));
  });

  it("fails the invocation when the rotation stops part-way (Event Grid redelivers), with a rotation-failed alert", async () => {
    sandbox.directory.graph.faults.set(graphRouteNames.addPassword, { failTimes: 100, failStatus: 403 });
    const staging = latestVersion("cci-staging-deploy");
    const event = eventGridEvent("Microsoft.KeyVault.SecretNearExpiry", sampleData("cci-staging-deploy", staging.version, { expiresOn: staging.expiresOn }), "near-expiry-staging");
    await expect(keyVaultEventHandler(event, context("staging-fails"))).rejects.toThrow(/Key Vault event near-expiry-staging for staging-deploy failed part-way: rotate staging-deploy: /);
    expect((await outboxAlerts()).some((r) => r.alert!.kind === "rotation-failed" && r.alert!.credential === "staging-deploy")).toBe(true);
    expect(sandbox.circleci.state.contextValue("staging-deploy", "AZURE_CLIENT_SECRET")).toBe(demoPasswordValue("deployStaging"));

    // Redelivered once Graph answers again: the rotation resumes and finishes.
    sandbox.directory.graph.faults.clear();
    await keyVaultEventHandler(event, context("staging-redelivered"));
    expect(sandbox.circleci.state.contextValue("staging-deploy", "AZURE_CLIENT_SECRET")).toBe(latestVersion("cci-staging-deploy").value);
    expect(latestVersion("cci-staging-deploy").version).not.toBe(staging.version);
  });

  it("the timer afterwards shares the same journal, leases and ledger: nothing minted again, no alert twice", async () => {
    const mints = sandbox.directory.state.appByAppId(demoIds.apps.deployProd)!.passwordCredentials.length + sandbox.directory.state.appByAppId(demoIds.apps.deployStaging)!.passwordCredentials.length;
    const legacyExpired = async () => (await outboxAlerts()).filter((r) => r.alert!.credential === "legacy-reports" && r.alert!.kind === "expired").length;
    expect(await legacyExpired()).toBe(3);
    sandbox.log.clear();
    await watchdogTimer(timer, context("timer"));
    expect(addPasswords()).toBe(0);
    expect(sandbox.directory.state.appByAppId(demoIds.apps.deployProd)!.passwordCredentials.length + sandbox.directory.state.appByAppId(demoIds.apps.deployStaging)!.passwordCredentials.length).toBe(mints);
    expect(await legacyExpired()).toBe(3);
    // The whole cycle alerts about the others now (data-pipeline expires in 25 days).
    expect((await outboxAlerts()).some((r) => r.alert!.credential === "data-pipeline")).toBe(true);
  });

  it("no secret value — seeded, minted or set by hand — reached a log line or an alert", async () => {
    const minted = sandbox.directory.state.allSecretValues();
    const vault = sandbox.keyVault.state.liveSecrets().flatMap((s) => s.versions.map((v) => v.value));
    const everything = [...new Set([...canaries, ...minted, ...vault])];
    expect(logs.length).toBeGreaterThan(5);
    expect(leakedSecrets(logs.join("\n"), everything)).toEqual([]);
    const outbox = JSON.stringify(await store.list("outbox"));
    expect(leakedSecrets(outbox, everything)).toEqual([]);
  });
});
