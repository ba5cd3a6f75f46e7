import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AlertSource } from "#shared/domain/alert.js";
import { decideAlerts, type AlertDecisions } from "#shared/domain/alerts/index.js";
import type { Finding, WatchedCredential } from "#shared/domain/finding.js";
import type { Notifier, WebhookSink } from "#shared/ports/notifier.js";
import type { StateStore } from "#shared/ports/state-store.js";
import { createWebhookNotifier } from "#shared/adapters/webhooks/index.js";
import { deliverPending, loadLedger, recordAlerts, type DeliveryCycleResult, type OutboxRecord } from "#shared/engine/alerts/index.js";
import { defaultTlsDir, ensureSandboxTls } from "../sandbox/core/ca.js";
import { WebhookReceiver } from "../sandbox/receiver/index.js";
import { reopenStateStore, stateStoreCases, type StartedStateStore } from "./support/state-stores.js";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const start = new Date("2026-03-01T06:00:00.000Z");
const at = (hours: number) => new Date(start.getTime() + hours * HOUR);
const thresholdsDays = [30, 14, 7, 3, 1];
const signingSecret = `whsec_${Buffer.from("outbox test signing key, 32 byte").toString("base64")}`;
const canaryTail = "/T0CANARY77/B0CANARY77/CANARYhooksecret5150?sig=CANARYSIG8080";

const source = (name: string): AlertSource => ({
  circleci: { context: name, variable: "AZURE_CLIENT_SECRET" },
  entra: { appId: "11111111-2222-3333-4444-555555555555", keyId: `key-${name}` },
});

/** What the plan says about secrets expiring at the given times, seen at `now`. */
function planAt(now: Date, secrets: Record<string, Date>): { credentials: WatchedCredential[]; findings: Finding[] } {
  const credentials: WatchedCredential[] = [];
  const findings: Finding[] = [];
  for (const [name, expiresAt] of Object.entries(secrets)) {
    const daysLeft = Math.ceil((expiresAt.getTime() - now.getTime()) / DAY);
    const status = daysLeft <= 0 ? "expired" : daysLeft <= 30 ? "expiring" : "ok";
    credentials.push({ credential: name, bound: true, action: "rotate", source: source(name), status, expiresAt: expiresAt.toISOString(), daysLeft });
    if (status !== "ok") {
      findings.push({
        id: `${status}:${name}`,
        kind: status,
        severity: "warning",
        credential: name,
        bound: true,
        source: source(name),
        expiresAt: expiresAt.toISOString(),
        daysLeft,
        message: `${name} expires in ${daysLeft} days`,
        nextStep: `watchdog rotate ${name}`,
      });
    }
  }
  return { credentials, findings };
}

/** The alert half of a cycle, as the timer runs it: decide -> record -> deliver. */
async function alertCycle(store: StateStore, notifier: Notifier, sinks: WebhookSink[], now: Date, secrets: Record<string, Date>): Promise<DeliveryCycleResult> {
  const decisions = decideAlerts({ ...planAt(now, secrets), ledger: await loadLedger(store), thresholdsDays, complete: true, now });
  await recordAlerts(store, decisions, sinks, now);
  return deliverPending(store, notifier, sinks, now, { concurrency: 4, actor: "timer" });
}

function fastNotifier(): Notifier {
  return createWebhookNotifier({ timeoutMs: 2_000, retries: 1, minRetryDelayMs: 1, sleep: async () => undefined });
}

const reopen = reopenStateStore;

describe.each(stateStoreCases())("alert outbox on the $name state store", (kase) => {
  const receiver = new WebhookReceiver();
  let started: StartedStateStore;
  const restarted = () => ({ store: reopen(kase, started), notifier: fastNotifier() });

  beforeAll(() => receiver.start(ensureSandboxTls(defaultTlsDir())));
  afterAll(() => receiver.close());
  beforeEach(async () => {
    started = await kase.start();
    await receiver.up();
    receiver.heal();
    receiver.clear();
  });
  afterEach(() => started.stop());

  const sinks = (): WebhookSink[] => [
    { name: "ops", kind: "generic", url: receiver.urlFor("generic", "ops"), signingSecret },
    { name: "chat", kind: "slack", url: receiver.urlFor("slack", "chat", canaryTail) },
    { name: "team", kind: "teams", url: receiver.urlFor("teams", "team", canaryTail) },
  ];
  const idsFor = (name: string) =>
    receiver.accepted({ name }).map((r) => (r.kind === "generic" ? (r.headers["webhook-id"] as string) : JSON.stringify(r.body)));

  it("a receiver down for two cycles gets each alert exactly once when it returns, across restarts", async () => {
    const secrets = { "prod-deploy": new Date(start.getTime() + 10 * DAY) };
    await receiver.down();
    for (const hour of [0, 1]) {
      const { store, notifier } = restarted();
      const result = await alertCycle(store, notifier, sinks(), at(hour), secrets);
      expect(result).toMatchObject({ sent: 0, failed: 3, pending: 3, dropped: 0, delivered: [] });
    }
    await receiver.up();
    const { store, notifier } = restarted();
    const third = await alertCycle(store, notifier, sinks(), at(2), secrets);
    expect(third).toMatchObject({ sent: 3, failed: 0, pending: 0 });
    expect(third.delivered.map((d) => `${d.sink}:${d.alert?.kind}:${d.alert?.threshold}`).sort()).toEqual([
      "chat:expiring:14",
      "ops:expiring:14",
      "team:expiring:14",
    ]);
    for (const hour of [3, 4, 30]) {
      const again = restarted();
      expect(await alertCycle(again.store, again.notifier, sinks(), at(hour), secrets)).toMatchObject({ sent: 0, failed: 0, pending: 0 });
    }
    expect(receiver.accepted().map((r) => r.name).sort()).toEqual(["chat", "ops", "team"]);
    expect(receiver.accepted({ name: "ops" })[0]!.headers["webhook-id"]).toBe(third.delivered[0]!.alert?.id);

    const audit = await store.listAudit();
    const events = audit.map((e) => `${e.event}:${e.details?.sink}`).sort();
    expect(events).toEqual([
      ...["chat", "ops", "team"].flatMap((s) => [`alert.failed:${s}`, `alert.failed:${s}`]),
      "alert.sent:chat",
      "alert.sent:ops",
      "alert.sent:team",
    ].sort());
    const failed = audit.find((e) => e.event === "alert.failed" && e.details?.sink === "chat")!;
    expect(failed).toMatchObject({ actor: "timer", subject: "prod-deploy", details: { kind: "expiring", retryable: true, status: null } });
    expect(String(failed.details?.error)).toContain(`webhook "chat" (slack, ${new URL(receiver.url).host})`);
  });

  it("one failing sink never holds back the others, and catches up once it recovers", async () => {
    const secrets = { "prod-deploy": new Date(start.getTime() + 10 * DAY), "staging-deploy": new Date(start.getTime() + 5 * DAY) };
    const both: WebhookSink[] = [
      { name: "ops", kind: "generic", url: receiver.urlFor("generic", "ops"), signingSecret },
      { name: "broken", kind: "generic", url: receiver.urlFor("generic", "broken"), signingSecret },
    ];
    receiver.fail("broken");
    const first = await alertCycle(started.store, fastNotifier(), both, at(0), secrets);
    expect(first).toMatchObject({ sent: 2, failed: 1, pending: 2 });
    expect(idsFor("ops")).toHaveLength(2);
    // After its first failure this cycle, the broken sink is not hammered with the second alert.
    expect(new Set(receiver.received.filter((r) => r.name === "broken").map((r) => r.headers["webhook-id"])).size).toBe(1);

    receiver.heal();
    const second = await alertCycle(started.store, fastNotifier(), both, at(1), secrets);
    expect(second).toMatchObject({ sent: 2, failed: 0, pending: 0 });
    expect(idsFor("broken").sort()).toEqual(idsFor("ops").sort());
    expect(idsFor("ops")).toHaveLength(2);
  });

  it("re-running after a crash between outbox and ledger neither loses nor repeats an alert", async () => {
    const secrets = { "prod-deploy": new Date(start.getTime() + 6 * DAY) };
    const now = at(0);
    const decisions = decideAlerts({ ...planAt(now, secrets), ledger: await loadLedger(started.store), thresholdsDays, complete: true, now });
    expect(decisions.raise).toHaveLength(1);
    // The crash: outbox records written, ledger not.
    const crashed: AlertDecisions = { raise: decisions.raise, ledger: { put: [], remove: [] } };
    await recordAlerts(started.store, crashed, sinks(), now);
    expect(await loadLedger(started.store)).toEqual([]);

    // The cycle still delivers what was recorded; later cycles re-decide the same alert and find it recorded.
    await deliverPending(started.store, fastNotifier(), sinks(), now, { concurrency: 2 });
    for (const hour of [1, 2]) {
      const { store, notifier } = restarted();
      const result = await alertCycle(store, notifier, sinks(), at(hour), secrets);
      expect(result).toMatchObject({ sent: 0, pending: 0 });
    }
    expect(await loadLedger(started.store)).toHaveLength(1);
    expect(receiver.accepted().map((r) => r.name).sort()).toEqual(["chat", "ops", "team"]);
  });

  it("a crash while writing the outbox leaves the ledger untouched, so the next cycle queues the alert again", async () => {
    const secrets = { "prod-deploy": new Date(start.getTime() + 6 * DAY) };
    // The same store, except that the process dies at its first outbox write.
    const dying: StateStore = {
      ...started.store,
      get: (table, key) => started.store.get(table, key),
      put: (table, key, value, options) => (table === "outbox" ? Promise.reject(new Error("process killed")) : started.store.put(table, key, value, options)),
      delete: (table, key, options) => started.store.delete(table, key, options),
      list: (table, prefix) => started.store.list(table, prefix),
      appendAudit: (entry) => started.store.appendAudit(entry),
      listAudit: (limit) => started.store.listAudit(limit),
    };
    const now = at(0);
    const decisions = decideAlerts({ ...planAt(now, secrets), ledger: await loadLedger(dying), thresholdsDays, complete: true, now });
    await expect(recordAlerts(dying, decisions, sinks(), now)).rejects.toThrow("process killed");
    expect(await loadLedger(started.store)).toEqual([]);

    const { store, notifier } = restarted();
    expect(await alertCycle(store, notifier, sinks(), at(1), secrets)).toMatchObject({ sent: 3, pending: 0 });
    expect(await alertCycle(store, notifier, sinks(), at(2), secrets)).toMatchObject({ sent: 0, pending: 0 });
    expect(receiver.accepted().map((r) => r.name).sort()).toEqual(["chat", "ops", "team"]);
  });

  it("recording the same decisions twice queues each alert once per sink", async () => {
    const now = at(0);
    const decisions = decideAlerts({ ...planAt(now, { "prod-deploy": new Date(start.getTime() + 2 * DAY) }), ledger: [], thresholdsDays, complete: true, now });
    expect(await recordAlerts(started.store, decisions, sinks(), now)).toEqual({ recorded: 3, alreadyRecorded: 0 });
    expect(await recordAlerts(reopen(kase, started), decisions, sinks(), at(1))).toEqual({ recorded: 0, alreadyRecorded: 3 });
    const outbox = await started.store.list<OutboxRecord>("outbox");
    expect(outbox.map((r) => r.key)).toEqual(["chat", "ops", "team"].map((s) => `${decisions.raise[0]!.id}|${s}`));
    expect(outbox.every((r) => r.value.state === "pending" && r.value.createdAt === now.toISOString())).toBe(true);
  });

  it("waits for Retry-After across cycles", async () => {
    const secrets = { "prod-deploy": new Date(start.getTime() + 10 * DAY) };
    const one = [sinks()[0]!];
    receiver.rateLimit("ops", { retryAfterSeconds: 7200, times: 1 });
    expect(await alertCycle(started.store, fastNotifier(), one, at(0), secrets)).toMatchObject({ sent: 0, failed: 1, pending: 1 });
    const [record] = await started.store.list<OutboxRecord>("outbox");
    expect(record!.value).toMatchObject({ attempts: 1, lastStatus: 429, nextAttemptAt: at(2).toISOString() });

    expect(await alertCycle(started.store, fastNotifier(), one, at(1), secrets)).toMatchObject({ sent: 0, failed: 0, pending: 1 });
    expect(receiver.received).toHaveLength(1);
    expect(await alertCycle(started.store, fastNotifier(), one, at(2), secrets)).toMatchObject({ sent: 1, pending: 0 });
  });

  it("drops the pending alerts of a sink removed from the policy, with an audit entry", async () => {
    const secrets = { "prod-deploy": new Date(start.getTime() + 10 * DAY) };
    receiver.fail("chat");
    expect(await alertCycle(started.store, fastNotifier(), sinks(), at(0), secrets)).toMatchObject({ sent: 2, failed: 1, pending: 1 });
    const withoutChat = sinks().filter((s) => s.name !== "chat");
    const result = await deliverPending(reopen(kase, started), fastNotifier(), withoutChat, at(1), { concurrency: 1 });
    expect(result).toMatchObject({ sent: 0, failed: 0, pending: 0, dropped: 1 });
    const dropped = (await started.store.listAudit()).filter((e) => e.event === "alert.dropped");
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({ subject: "prod-deploy", details: { sink: "chat", reason: "sink no longer in the policy" } });
  });

  it("prunes delivered tombstones after the retention, and names a corrupt record's table, key and field", async () => {
    const secrets = { "prod-deploy": new Date(start.getTime() + 10 * DAY) };
    const one = [sinks()[0]!];
    await alertCycle(started.store, fastNotifier(), one, at(0), secrets);
    expect(await started.store.list("outbox")).toHaveLength(1);
    await deliverPending(started.store, fastNotifier(), one, at(29 * 24), { concurrency: 1, keepDeliveredDays: 30 });
    expect(await started.store.list("outbox")).toHaveLength(1);
    await deliverPending(started.store, fastNotifier(), one, at(31 * 24), { concurrency: 1, keepDeliveredDays: 30 });
    expect(await started.store.list("outbox")).toHaveLength(0);

    await started.store.put("outbox", "msg_x|ops", { sink: "ops", state: "sent" });
    await expect(deliverPending(started.store, fastNotifier(), one, at(0), { concurrency: 1 })).rejects.toThrow(
      /^state outbox\/"msg_x\|ops" is not valid: alert: .*; state: /,
    );
  });

  it("keeps webhook URL secrets out of the audit log, the outbox and the results (canary)", async () => {
    const secrets = { "prod-deploy": new Date(start.getTime() + 10 * DAY) };
    receiver.fail("chat", { status: 500, body: `upstream error for /slack/chat${canaryTail}` });
    receiver.fail("team", { status: 400, body: `{"error":{"message":"bad card","url":"${receiver.urlFor("teams", "team", canaryTail)}"}}` });
    const results = [await alertCycle(started.store, fastNotifier(), sinks(), at(0), secrets)];
    await receiver.down();
    results.push(await alertCycle(started.store, fastNotifier(), sinks(), at(1), secrets));

    const stored = JSON.stringify([results, await started.store.listAudit(), await started.store.list("outbox"), await started.store.list("ledger")]);
    expect(stored).toContain("alert.failed");
    expect(stored).not.toMatch(/canary/i);
    expect(stored).not.toContain(signingSecret);
  });
});
