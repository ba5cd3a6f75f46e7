import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvocationContext, type Timer } from "@azure/functions";
import { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRotationJobHandler } from "../functions/queue-rotation.js";
import { createWatchdogTimer } from "../functions/timer.js";
import { graphRouteNames } from "../sandbox/graph/index.js";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { demoIds, demoWorld } from "../sandbox/world/demo.js";
import { createAzureStateStore } from "#shared/adapters/state/azure/index.js";
import type { StateStore } from "#shared/ports/state-store.js";
import { startAzurite, type Azurite } from "./support/azurite.js";
import { TestClock } from "./support/rotation-sandbox.js";

// Issue 10 item 1: an estate with more rotating credentials than WATCHDOG_FANOUT_THRESHOLD, storage configured,
// driven through the timer and the rotation-jobs queue handlers over simulated days. Every cycle's messages are
// handed to the queue handler as the host would. Each old password must go after its overlap, each credential must
// be rotated again before its new secret runs out, and no message may be sent for a credential that only waits.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TICK = 12 * HOUR;
const OVERLAP_HOURS = 24;

const rotating = [
  { name: "prod-deploy", appId: demoIds.apps.deployProd, read: (s: Sandbox) => s.circleci.state.contextValue("prod-deploy", "AZURE_CLIENT_SECRET") },
  { name: "staging-deploy", appId: demoIds.apps.deployStaging, read: (s: Sandbox) => s.circleci.state.contextValue("staging-deploy", "AZURE_CLIENT_SECRET") },
  { name: "monitoring-exporter", appId: demoIds.apps.monitoringExporter, read: (s: Sandbox) => s.circleci.state.projectValue("gh/acme/api", "AZURE_CLIENT_SECRET") },
] as const;

// All three fall due at once (10, 3 and 10 days left, fewer than 11), and again three days after each rotation
// (13 - 10): a rotation every sixth cycle, its retirement two cycles (the overlap) later.
const policyYaml = `version: 1
inventory:
  projects: [gh/acme/api]
credentials:
  - name: prod-deploy
    circleci: { context: prod-deploy, variable: AZURE_CLIENT_SECRET }
    entra: { appId: ${demoIds.apps.deployProd} }
    action: rotate
    rotation: { validityDays: 13, rotateBeforeDays: 11, overlapHours: ${OVERLAP_HOURS} }
  - name: staging-deploy
    circleci: { context: staging-deploy, variable: AZURE_CLIENT_SECRET }
    entra: { appId: ${demoIds.apps.deployStaging} }
    action: rotate
    rotation: { validityDays: 13, rotateBeforeDays: 11, overlapHours: ${OVERLAP_HOURS} }
  - name: monitoring-exporter
    circleci: { project: gh/acme/api, variable: AZURE_CLIENT_SECRET }
    entra: { appId: ${demoIds.apps.monitoringExporter} }
    action: rotate
    rotation: { validityDays: 13, rotateBeforeDays: 11, overlapHours: ${OVERLAP_HOURS} }
`;

const timer: Timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };

let clock: TestClock;
let sandbox: Sandbox;
let azurite: Azurite;
let store: StateStore;
let queue: QueueClient;
const logs: string[] = [];

function context(name: string, id: string, dequeueCount = 1): InvocationContext {
  return new InvocationContext({
    invocationId: `days-${name}-${id}`,
    functionName: name,
    triggerMetadata: { id, dequeueCount },
    logHandler: (level, ...args) => logs.push(`${level} ${args.map(String).join(" ")}`),
  });
}

async function entraAccepts(appId: string, secret: string | undefined): Promise<boolean> {
  if (!secret) return false;
  const form = new URLSearchParams({ client_id: appId, client_secret: secret, scope: "https://graph.microsoft.com/.default", grant_type: "client_credentials" });
  const response = await fetch(`${sandbox.directory.entra.url}/${demoIds.tenantId}/oauth2/v2.0/token`, { method: "POST", body: form });
  await response.arrayBuffer();
  return response.status === 200;
}

interface JournalView {
  state: string;
  rotationId: string;
  pushedAt?: string;
}

async function journalOf(credential: string): Promise<JournalView | undefined> {
  return (await store.get<JournalView>("journal", credential))?.value;
}

/** Every message the timer left in the queue, received and deleted (Azurite is the queue; the host would do this). */
async function drainQueue(): Promise<Array<{ id: string; dequeueCount: number; job: { credential: string; inventory?: unknown } }>> {
  const taken = [];
  for (;;) {
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 30 });
    if (receivedMessageItems.length === 0) return taken;
    for (const item of receivedMessageItems) {
      taken.push({ id: item.messageId, dequeueCount: item.dequeueCount, job: JSON.parse(Buffer.from(item.messageText, "base64").toString("utf8")) as { credential: string } });
      await queue.deleteMessage(item.messageId, item.popReceipt);
    }
  }
}

beforeAll(async () => {
  clock = new TestClock(Date.parse("2026-06-01T09:00:00.000Z"));
  sandbox = await startSandbox(demoWorld(clock.now()), { now: clock.now });
  azurite = await startAzurite();
  const dir = mkdtempSync(join(tmpdir(), "watchdog-fanout-days-"));
  const policyPath = join(dir, "policy.yaml");
  writeFileSync(policyPath, policyYaml);
  // Three rotating credentials against a threshold of one: every cycle with work fans it out.
  Object.assign(process.env, sandbox.env, { WATCHDOG_POLICY: policyPath, AzureWebJobsStorage: azurite.connectionString, WATCHDOG_FANOUT_THRESHOLD: "1" });
  store = createAzureStateStore({ connectionString: azurite.connectionString });
  queue = new QueueClient(azurite.connectionString, "rotation-jobs");
  await queue.createIfNotExists();
});
afterAll(async () => {
  await sandbox?.close();
  await azurite?.stop();
});

describe("fan-out over simulated days (timer + rotation-jobs handlers, Azurite)", () => {
  it("retires every old password after its overlap, rotates every credential again before expiry, and enqueues nothing that only waits", async () => {
    const runTimer = createWatchdogTimer({ now: clock.now });
    const runJob = createRotationJobHandler({ now: clock.now });
    const start = clock.now().getTime();
    const enqueuedWhileWaiting: string[] = [];
    let messages = 0;

    for (let tick = 0; clock.now().getTime() - start <= 7 * DAY; tick++, clock.advance(TICK)) {
      const before = new Map<string, JournalView | undefined>(await Promise.all(rotating.map(async (c) => [c.name, await journalOf(c.name)] as const)));
      await runTimer(timer, context("watchdog", `tick-${tick}`));
      const jobs = await drainQueue();
      messages += jobs.length;
      for (const { job } of jobs) {
        // A journal pushed less than the overlap ago has nothing to do but wait: it must never be a job.
        const journal = before.get(job.credential);
        if (journal?.state === "pushed" && clock.now().getTime() < Date.parse(journal.pushedAt!) + OVERLAP_HOURS * HOUR) {
          enqueuedWhileWaiting.push(`${job.credential} at tick ${tick}`);
        }
      }
      for (const { id, dequeueCount, job } of jobs) await runJob(job, context("rotationJobs", id, dequeueCount));

      for (const credential of rotating) {
        // The pipeline always holds a secret Entra accepts (the emulator refuses expired ones on its clock).
        const value = credential.read(sandbox);
        expect(await entraAccepts(credential.appId, value), `${credential.name} at tick ${tick}`).toBe(true);
        // At most one old password lingers, and only within the overlap (plus one cycle) after its replacement's push.
        const passwords = sandbox.directory.state.appByAppId(credential.appId)!.passwordCredentials;
        const journal = await journalOf(credential.name);
        if (passwords.length > 1) {
          expect(passwords, `${credential.name} at tick ${tick}`).toHaveLength(2);
          expect(journal?.state, `${credential.name} at tick ${tick}`).toBe("pushed");
          expect(clock.now().getTime() - Date.parse(journal!.pushedAt!), `${credential.name} at tick ${tick}`).toBeLessThan(OVERLAP_HOURS * HOUR + TICK);
        }
      }
    }

    expect(enqueuedWhileWaiting).toEqual([]);
    // Rotations start on days 0, 3 and 6 and are retired on days 1, 4 and 7: all by queue jobs, one job for each
    // start and one for each retirement, none in between.
    const audit = await store.listAudit(1000);
    for (const credential of rotating) {
      const retired = audit.filter((e) => e.event === "rotation.retired" && e.subject === credential.name);
      expect(retired, credential.name).toHaveLength(3);
      expect(retired.every((e) => e.actor === "queue"), credential.name).toBe(true);
    }
    expect(sandbox.log.count((e) => e.route === graphRouteNames.addPassword)).toBe(9);
    expect(messages).toBe(18);
  }, 120_000);
});
