import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvocationContext, type Timer } from "@azure/functions";
import { QueueClient, type DequeuedMessageItem } from "@azure/storage-queue";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { rotationJobHandler, rotationJobRegistration } from "../functions/queue-rotation.js";
import { watchdogTimer } from "../functions/timer.js";
import { graphRouteNames } from "../sandbox/graph/index.js";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { demoIds, demoPasswordValue, demoPolicyYaml, demoWorld } from "../sandbox/world/demo.js";
import { createAzureStateStore } from "#shared/adapters/state/azure/index.js";
import { defaultMaxDequeueCount, maxDequeueCountOf } from "#shared/app/rotation-job.js";
import type { StateStore } from "#shared/ports/state-store.js";
import { startAzurite, type Azurite } from "./support/azurite.js";
import { leakedSecrets, secretValuesOf, webhookUrlsOf } from "./support/canaries.js";

// The rotation-jobs queue end to end: the timer fans due rotations out to Azurite, each message is handed to
// the queue function as the host would (decoded, with its dequeueCount), twice, and the rotations happen once.
// A job failing on its last delivery raises a signed poison alert at the sandbox receiver.

const timer: Timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };

// A third rotate credential (a project variable), used by the poison case only.
const poisonPolicyYaml = `${demoPolicyYaml}  - name: monitoring-exporter
    circleci: { project: gh/acme/api, variable: AZURE_CLIENT_SECRET }
    entra: { appId: ${demoIds.apps.monitoringExporter} }
    action: rotate
    rotation: { validityDays: 90, rotateBeforeDays: 14, overlapHours: 24 }
`;

let sandbox: Sandbox;
let azurite: Azurite;
let store: StateStore;
let queue: QueueClient;
let canaries: string[];
let policyPath: string;
let poisonPolicyPath: string;
const logs: string[] = [];

function context(dequeueCount: number, id = "message"): InvocationContext {
  return new InvocationContext({
    invocationId: `test-${id}-${dequeueCount}`,
    functionName: "rotationJobs",
    triggerMetadata: { id, dequeueCount, queueTrigger: "(decoded message)" },
    logHandler: (level, ...args) => logs.push(`${level} ${args.map(String).join(" ")}`),
  });
}

/** What the host hands the function: the Base64-decoded message, parsed when it is JSON. */
const decoded = (item: { messageText: string }): unknown => JSON.parse(Buffer.from(item.messageText, "base64").toString("utf8"));

async function receiveAll(visibilityTimeout: number, expected: number): Promise<DequeuedMessageItem[]> {
  const until = Date.now() + 10_000;
  const items: DequeuedMessageItem[] = [];
  while (items.length < expected) {
    if (Date.now() > until) throw new Error(`only ${items.length} of ${expected} messages became visible`);
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout });
    items.push(...receivedMessageItems);
    if (items.length < expected) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return items;
}

function mintedFor(appId: string): string[] {
  const app = sandbox.directory.state.appByAppId(appId);
  return (app?.passwordCredentials ?? []).filter((p) => p.displayName?.startsWith("watchdog-rotation:")).map((p) => p.secretText);
}

async function entraAccepts(appId: string, secret: string | undefined): Promise<boolean> {
  if (!secret) return false;
  const form = new URLSearchParams({ client_id: appId, client_secret: secret, scope: "https://graph.microsoft.com/.default", grant_type: "client_credentials" });
  const response = await fetch(`${sandbox.directory.entra.url}/${demoIds.tenantId}/oauth2/v2.0/token`, { method: "POST", body: form });
  await response.arrayBuffer();
  return response.status === 200;
}

beforeAll(async () => {
  const world = demoWorld(new Date());
  sandbox = await startSandbox(world);
  azurite = await startAzurite();
  const dir = mkdtempSync(join(tmpdir(), "watchdog-queue-"));
  policyPath = join(dir, "policy.yaml");
  poisonPolicyPath = join(dir, "poison-policy.yaml");
  writeFileSync(policyPath, demoPolicyYaml);
  writeFileSync(poisonPolicyPath, poisonPolicyYaml);
  // Any due rotation fans out (threshold 0) to the rotation-jobs queue in Azurite.
  Object.assign(process.env, sandbox.env, { WATCHDOG_POLICY: policyPath, AzureWebJobsStorage: azurite.connectionString, WATCHDOG_FANOUT_THRESHOLD: "0" });
  store = createAzureStateStore({ connectionString: azurite.connectionString });
  queue = new QueueClient(azurite.connectionString, "rotation-jobs");
  canaries = secretValuesOf(world, [sandbox.signingSecret, azurite.connectionString, ...webhookUrlsOf(sandbox.env)]);
});
afterAll(async () => {
  await sandbox?.close();
  await azurite?.stop();
});
afterEach(() => {
  process.env.WATCHDOG_POLICY = policyPath;
  for (const emulator of [sandbox.directory.graph, sandbox.directory.entra, sandbox.keyVault, sandbox.circleci]) emulator.faults.clear();
});

describe("queue function rotation-jobs", () => {
  it("is a Storage Queue trigger on rotation-jobs over AzureWebJobsStorage, retried up to host.json's maxDequeueCount", () => {
    expect(rotationJobRegistration).toMatchObject({ queueName: "rotation-jobs", connection: "AzureWebJobsStorage", handler: rotationJobHandler });
    const host = JSON.parse(readFileSync("host.json", "utf8")) as { extensions: { queues: { maxDequeueCount: number; messageEncoding?: string } } };
    expect(host.extensions.queues.maxDequeueCount).toBe(defaultMaxDequeueCount);
    // Base64 is the host's default encoding, which is what the timer's fan-out writes.
    expect(host.extensions.queues.messageEncoding ?? "base64").toBe("base64");
    expect(maxDequeueCountOf({ AzureFunctionsJobHost__extensions__queues__maxDequeueCount: "3" })).toBe(3);
  });

  it("logs and drops malformed messages, and jobs for credentials the policy does not rotate: no retry, no call anywhere", async () => {
    sandbox.log.clear();
    const malformed: unknown[] = [
      "not json at all",
      Buffer.from("still not json").toString("base64"),
      '{"credential":"prod-deploy"}',
      { credential: "Prod Deploy", jobId: "j", requestedBy: "timer", reason: "schedule" },
      { credential: "prod-deploy", jobId: "j", requestedBy: "timer", reason: "schedule", value: "extra" },
      { credential: "prod-deploy", jobId: "", requestedBy: "timer", reason: "whenever" },
      42,
      null,
      [],
      new TextEncoder().encode("{}"),
    ];
    for (const entry of malformed) await expect(rotationJobHandler(entry, context(1))).resolves.toBeUndefined();
    for (const credential of ["no-such-credential", "data-pipeline"]) {
      await expect(rotationJobHandler({ credential, jobId: `${credential}@x`, requestedBy: "timer", reason: "schedule" }, context(1))).resolves.toBeUndefined();
    }
    expect(logs.filter((l) => l.startsWith("error") && l.includes("dropped (a malformed message is never retried)"))).toHaveLength(malformed.length);
    expect(logs.filter((l) => l.includes(": dropped: "))).toHaveLength(2);
    expect(sandbox.log.entries).toEqual([]);
  });

  it("the timer fans out to Base64 messages; each handled twice (at once, and redelivered) rotates once", async () => {
    const before = { prod: sandbox.circleci.state.contextValue("prod-deploy", "AZURE_CLIENT_SECRET"), staging: sandbox.circleci.state.contextValue("staging-deploy", "AZURE_CLIENT_SECRET") };
    await watchdogTimer(timer, context(1, "timer"));
    // Nothing was rotated inline: the work is in the queue.
    expect(sandbox.circleci.state.contextValue("prod-deploy", "AZURE_CLIENT_SECRET")).toBe(before.prod);
    const { peekedMessageItems } = await queue.peekMessages({ numberOfMessages: 32 });
    for (const item of peekedMessageItems) expect(item.messageText).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(peekedMessageItems.map((item) => decoded(item)).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      expect.objectContaining({ credential: "prod-deploy", requestedBy: "timer", reason: "schedule" }),
      expect.objectContaining({ credential: "staging-deploy", requestedBy: "timer", reason: "schedule" }),
    ]);

    // First delivery, and the same message at the same time on a second instance (one as JSON, one as text).
    const first = await receiveAll(1, 2);
    await Promise.all(
      first.flatMap((item) => [
        rotationJobHandler(decoded(item), context(item.dequeueCount, item.messageId)),
        rotationJobHandler(Buffer.from(item.messageText, "base64").toString("utf8"), context(item.dequeueCount, item.messageId)),
      ]),
    );
    // Not deleted: once the visibility timeout passes the queue delivers each message again.
    const again = await receiveAll(1, 2);
    expect(again.map((item) => item.dequeueCount)).toEqual([2, 2]);
    for (const item of again) await rotationJobHandler(decoded(item), context(item.dequeueCount, item.messageId));
    for (const item of again) await queue.deleteMessage(item.messageId, item.popReceipt);

    for (const [credential, appId] of [["prod-deploy", demoIds.apps.deployProd], ["staging-deploy", demoIds.apps.deployStaging]] as const) {
      const minted = mintedFor(appId);
      expect(minted, credential).toHaveLength(1);
      const value = sandbox.circleci.state.contextValue(credential, "AZURE_CLIENT_SECRET");
      expect(value).toBe(minted[0]);
      expect(await entraAccepts(appId, value)).toBe(true);
      expect(sandbox.keyVault.state.latest(`cci-${credential}`)?.value).toBe(value);
    }
    expect(sandbox.log.count((e) => e.route === graphRouteNames.addPassword)).toBe(2);
    const pushed = (await store.listAudit()).filter((e) => e.event === "rotation.pushed");
    expect(pushed.map((e) => `${e.subject} ${e.actor}`).sort()).toEqual(["prod-deploy queue", "staging-deploy queue"]);
  });

  it("a job failing on its last delivery raises a poison alert (recorded; a loopback receiver is refused in a Function App), then throws; earlier deliveries only throw", async () => {
    process.env.WATCHDOG_POLICY = poisonPolicyPath;
    // Graph refuses every addPassword: the rotation cannot get past mint.
    sandbox.directory.graph.faults.set(graphRouteNames.addPassword, { failTimes: 100, failStatus: 403 });
    const job = { credential: "monitoring-exporter", jobId: "monitoring-exporter@2026-11-25T09:00:00.000Z", requestedBy: "timer", reason: "schedule" };
    // Deliveries of this job's alert (every sink's payload names the job in its title).
    const received = () => sandbox.receiver.received.filter((h) => h.rawBody.includes(job.jobId));

    for (let dequeueCount = 1; dequeueCount < 5; dequeueCount++) {
      await expect(rotationJobHandler(job, context(dequeueCount, "poison"))).rejects.toThrow(new RegExp(`failed at step "mint".*attempt ${dequeueCount} of 5, the host retries it`));
    }
    expect(received()).toEqual([]);

    await expect(rotationJobHandler(job, context(5, "poison"))).rejects.toThrow(/last attempt: poison alert msg_[0-9a-f]+ raised \(0 sink\(s\) reached\)/);
    // The sandbox's receivers listen on 127.0.0.1: inside a Function App that is the host's own services, never a receiver.
    expect(received()).toEqual([]);
    const outbox = (await store.list<{ alert?: { title: string; kind: string; severity: string; credential: string; source: unknown }; sink: string; lastError?: string }>("outbox")).filter((r) => r.value.alert?.title.includes(job.jobId));
    expect(outbox.map((r) => r.value.sink).sort()).toEqual(["ops", "platform-slack", "platform-teams"]);
    for (const { value } of outbox) {
      expect(value.lastError).toContain("refused: its host is a loopback address");
      expect(value.alert).toMatchObject({
        kind: "rotation-failed",
        severity: "critical",
        credential: "monitoring-exporter",
        title: `monitoring-exporter: rotation job ${job.jobId} gave up after 5 attempts at step "mint"`,
        source: { circleci: { project: "gh/acme/api", variable: "AZURE_CLIENT_SECRET" }, entra: { appId: demoIds.apps.monitoringExporter }, keyVault: { secretName: "cci-monitoring-exporter" } },
      });
    }
    const audit = await store.listAudit();
    expect(audit.find((e) => e.event === "rotation.job-poisoned")).toMatchObject({ actor: "queue", subject: "monitoring-exporter", details: { jobId: job.jobId, attempts: 5, step: "mint" } });

    // A further delivery (the host would not make one) does not alert twice: the alert id is the job's.
    await expect(rotationJobHandler(job, context(6, "poison"))).rejects.toThrow(/last attempt/);
    expect((await store.list<{ alert?: { title: string } }>("outbox")).filter((r) => r.value.alert?.title.includes(job.jobId))).toHaveLength(3);
    // Nothing reached CircleCI.
    expect(sandbox.circleci.state.projectValue("gh/acme/api", "AZURE_CLIENT_SECRET")).toBe(demoPasswordValue("monitoringExporter"));
  });

  it("a misconfigured app throws, so the host retries the message rather than losing it", async () => {
    process.env.WATCHDOG_POLICY = "/nonexistent/policy.yaml";
    await expect(rotationJobHandler({ credential: "prod-deploy", jobId: "j1", requestedBy: "timer", reason: "schedule" }, context(1))).rejects.toThrow(/invalid policy/);
  });

  it("no secret value — old or newly minted — reached a log line or an alert", () => {
    const minted = sandbox.directory.state.allSecretValues();
    const vault = sandbox.keyVault.state.liveSecrets().flatMap((s) => s.versions.map((v) => v.value));
    const everything = [...new Set([...canaries, ...minted, ...vault])];
    expect(logs.length).toBeGreaterThan(10);
    expect(leakedSecrets(logs.join("\n"), everything)).toEqual([]);
    expect(leakedSecrets(sandbox.receiver.received.map((h) => h.rawBody).join("\n"), everything)).toEqual([]);
  });
});
