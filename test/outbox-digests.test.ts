import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Alert } from "#shared/domain/alert.js";
import { alertId } from "#shared/domain/alerts/index.js";
import type { Notifier, WebhookSink } from "#shared/ports/notifier.js";
import { createWebhookNotifier } from "#shared/adapters/webhooks/index.js";
import { deliverPending, recordAlerts, type DeliveryCycleResult } from "#shared/engine/alerts/index.js";
import { defaultTlsDir, ensureSandboxTls } from "../sandbox/core/ca.js";
import { WebhookReceiver } from "../sandbox/receiver/index.js";
import { reopenStateStore, stateStoreCases, type StartedStateStore } from "./support/state-stores.js";

const HOUR = 3_600_000;
const start = new Date();
const at = (hours: number) => new Date(start.getTime() + hours * HOUR);
const signingSecret = `whsec_${Buffer.from("digest test signing key 32 bytes").toString("base64")}`;

function alert(n: number, severity: Alert["severity"] = "warning", kind: Alert["kind"] = "expiring"): Alert {
  const credential = `cred-${String(n).padStart(3, "0")}`;
  return {
    id: alertId({ kind, credential, threshold: 14, marker: "2027-01-01" }),
    kind,
    severity,
    credential,
    title: `${credential}: client secret expires in ${n} days (within 14 days)`,
    source: { circleci: { context: credential, variable: "AZURE_CLIENT_SECRET" } },
    daysLeft: n,
    threshold: 14,
    nextStep: `watchdog rotate ${credential}`,
    raisedAt: start.toISOString(),
  };
}

const noDecisions = { put: [], remove: [] };

interface SlackBody {
  text: string;
  blocks: Array<{ type: string; text?: { text: string }; elements?: Array<{ text: string }> }>;
}

const reopen = reopenStateStore;

describe.each(stateStoreCases())("digests in the alert outbox on the $name state store", (kase) => {
  const receiver = new WebhookReceiver();
  let started: StartedStateStore;
  const waits: number[] = [];
  // The notifier's in-call waits (Retry-After) are recorded, not slept: the pace is checked, the test stays fast.
  const notifier = (): Notifier => createWebhookNotifier({ timeoutMs: 2_000, retries: 2, minRetryDelayMs: 1, sleep: async (ms) => void waits.push(ms) });
  const sinks = (): WebhookSink[] => [
    { name: "chat", kind: "slack", url: receiver.urlFor("slack", "chat", "/T0/B0/secret-tail") },
    { name: "team", kind: "teams", url: receiver.urlFor("teams", "team", "/workflows/secret-tail") },
    { name: "ops", kind: "generic", url: receiver.urlFor("generic", "ops"), signingSecret },
    { name: "lists", kind: "generic", url: receiver.urlFor("generic", "lists"), signingSecret, batch: true },
  ];
  const cycle = async (alerts: Alert[], hours: number, options: { baseline?: boolean } = {}): Promise<DeliveryCycleResult> => {
    const store = reopen(kase, started);
    await recordAlerts(store, { raise: alerts, ledger: noDecisions }, sinks(), at(hours), options.baseline ? { baseline: { credentials: 40, expired: 1, expiring: alerts.length - 1, longLived: 0 } } : {});
    return deliverPending(store, notifier(), sinks(), at(hours), { concurrency: 4, actor: "timer" });
  };
  const bodies = (name: string) => receiver.accepted({ name }).map((r) => r.body);

  beforeAll(() => receiver.start(ensureSandboxTls(defaultTlsDir())));
  afterAll(() => receiver.close());
  beforeEach(async () => {
    started = await kase.start();
    await receiver.up();
    receiver.heal();
    receiver.clear();
    waits.length = 0;
  });
  afterEach(() => started.stop());

  it("up to digestAbove (3) alerts go one by one; one more makes one digest per chat sink, while generic sinks get events or one batch", async () => {
    await cycle([alert(1), alert(2), alert(3)], 0);
    expect(receiver.accepted({ name: "chat" })).toHaveLength(3);
    expect(receiver.accepted({ name: "team" })).toHaveLength(3);
    expect(receiver.accepted({ name: "ops" })).toHaveLength(3);
    expect(bodies("lists")).toEqual([expect.objectContaining({ type: "credential.batch", data: expect.objectContaining({ alerts: expect.any(Array) }) })]);

    receiver.clear();
    const four = [alert(4, "critical"), alert(5), alert(6), alert(7, "info", "resolved")];
    await cycle(four, 0);
    const chat = bodies("chat") as SlackBody[];
    expect(chat).toHaveLength(1);
    expect(chat[0]!.text).toBe("secret-watchdog: 4 alerts (1 critical, 2 warning, 1 info). See everything: `watchdog plan`");
    const sections = chat[0]!.blocks.filter((b) => b.text?.text.includes("Next step:")).map((b) => b.text!.text);
    // Most urgent first, each with its next step.
    expect(sections[0]).toContain("cred-004: client secret expires in 4 days");
    expect(sections[0]).toContain("Next step: watchdog rotate cred-004");
    expect(receiver.accepted({ name: "team" })).toHaveLength(1);
    expect(receiver.accepted({ name: "ops" })).toHaveLength(4);

    const batch = receiver.accepted({ name: "lists" });
    expect(batch).toHaveLength(1);
    new Webhook(signingSecret).verify(batch[0]!.rawBody, batch[0]!.headers as Record<string, string>);
    const data = (batch[0]!.body as { data: { id: string; alerts: Alert[] } }).data;
    expect(batch[0]!.headers["webhook-id"]).toBe(data.id);
    expect(data.alerts.map((a) => a.id).sort()).toEqual(four.map((a) => a.id).sort());
  });

  it("a digest survives a receiver outage: recorded before sending, retried until delivered, merged with what came meanwhile into one message, never repeated", async () => {
    await receiver.down();
    const first = await cycle([1, 2, 3, 4, 5].map((n) => alert(n)), 0);
    expect(first).toMatchObject({ sent: 0, pending: 8 });
    // Outbox: one digest record per chat sink, five events for ops, one batch for lists.
    const outbox = await reopen(kase, started).list<{ sink: string; digest?: { kind: string; total: number } }>("outbox");
    expect(outbox.filter((r) => r.value.sink === "chat").map((r) => r.value.digest)).toEqual([expect.objectContaining({ kind: "digest", total: 5 })]);

    await receiver.up();
    // Two more alerts while the digest waits: the chat sink still gets one message this cycle, standing for all seven.
    const second = await cycle([alert(6), alert(7)], 1);
    expect(second.failed).toBe(0);
    const chat = bodies("chat") as SlackBody[];
    expect(chat).toHaveLength(1);
    expect(chat[0]!.text).toMatch(/^secret-watchdog: 7 alerts \(7 warning\)/);
    expect(bodies("team")).toHaveLength(1);
    expect(receiver.accepted({ name: "ops" })).toHaveLength(7);
    // The batch kept its id across the retry (receivers de-duplicate on it); the two new alerts made a second batch.
    expect(receiver.accepted({ name: "lists" })).toHaveLength(2);

    const third = await cycle([], 2);
    expect(third).toMatchObject({ sent: 0, failed: 0, pending: 0 });
    // Re-recording the same alerts (a crash before the ledger was written) finds every key taken.
    await cycle([6, 7].map((n) => alert(n)), 3);
    expect(bodies("chat")).toHaveLength(1);
    expect(receiver.accepted({ name: "ops" })).toHaveLength(7);
  });

  it("the first cycle's baseline is one announcement per chat sink, whatever the count; generic sinks get every event", async () => {
    await cycle([alert(1)], 0, { baseline: true });
    const chat = bodies("chat") as SlackBody[];
    expect(chat).toHaveLength(1);
    expect(chat[0]!.text).toMatch(/^secret-watchdog is now watching 40 credentials: 1 expired, 0 expiring, 0 long-lived — here is the plan/);
    expect(bodies("team")).toHaveLength(1);
    expect(bodies("ops")).toHaveLength(1);
  });

  it("a chat sink pacing like Slack (429 + Retry-After) is waited for without holding back the other sinks", async () => {
    receiver.pace("chat", { intervalMs: 60_000 });
    const result = await cycle([alert(1), alert(2)], 0);
    // The first message went; the second was told to wait a minute, more than a cycle should block on: it waits in the outbox.
    expect(receiver.accepted({ name: "chat" })).toHaveLength(1);
    expect(receiver.paced("chat")).toBe(1);
    expect(result).toMatchObject({ failed: 1 });
    expect(receiver.accepted({ name: "ops" })).toHaveLength(2);
    expect(receiver.accepted({ name: "team" })).toHaveLength(2);
    const pending = (await reopen(kase, started).list<{ sink: string; state: string; nextAttemptAt: string; lastStatus?: number }>("outbox")).filter(
      (r) => r.value.sink === "chat" && r.value.state === "pending",
    );
    expect(pending).toHaveLength(1);
    expect(pending[0]!.value.lastStatus).toBe(429);
    expect(Date.parse(pending[0]!.value.nextAttemptAt)).toBe(at(0).getTime() + 60_000);

    // A short Retry-After (Slack's one second) is waited out within the cycle.
    receiver.heal();
    receiver.clear();
    receiver.pace("chat", { intervalMs: 1_000 });
    await cycle([alert(3), alert(4)], 1);
    expect(waits).toContain(1_000);
  });
});
