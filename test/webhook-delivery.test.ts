import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import type { Alert } from "#shared/domain/alert.js";
import type { WebhookSink } from "#shared/ports/notifier.js";
import { createWebhookNotifier, slackMessage, teamsMessage } from "#shared/adapters/webhooks/index.js";
import { defaultTlsDir, ensureSandboxTls } from "../sandbox/core/ca.js";
import { WebhookReceiver } from "../sandbox/receiver/index.js";

const alert: Alert = {
  id: "msg_fedcba9876543210fedcba9876543210",
  kind: "expired",
  severity: "critical",
  credential: "staging-deploy",
  title: "staging-deploy: client secret expired 2 days ago",
  source: { circleci: { context: "staging-deploy", variable: "AZURE_CLIENT_SECRET" }, entra: { appId: "22222222-3333-4444-5555-666666666666" } },
  daysLeft: -2,
  expiresAt: "2026-03-03T06:00:00.000Z",
  nextStep: "watchdog rotate staging-deploy",
  raisedAt: "2026-03-05T06:00:00.000Z",
};

const signingSecret = `whsec_${Buffer.from("webhook-delivery test signing key").toString("base64")}`;
// A secret-looking tail like a real Slack/Teams URL's: it must never show up in a result.
const canaryTail = "/T0CANARY99/B0CANARY99/CANARYxoxbSECRET4242?sig=CANARYSIG31337";

describe("webhook notifier against the local receiver", () => {
  const receiver = new WebhookReceiver();
  const waits: number[] = [];
  const notifier = createWebhookNotifier({ timeoutMs: 2_000, retries: 2, minRetryDelayMs: 10, sleep: async (ms) => void waits.push(ms) });

  beforeAll(() => receiver.start(ensureSandboxTls(defaultTlsDir())));
  afterAll(() => receiver.close());
  beforeEach(async () => {
    await receiver.up();
    receiver.heal();
    receiver.emulator.faults.clear();
    receiver.clear();
    waits.length = 0;
  });

  const generic = (name = "ops"): WebhookSink => ({ name, kind: "generic", url: receiver.urlFor("generic", name), signingSecret });

  it("delivers a generic alert that verifies with the shared secret, as JSON, with the alert id as webhook-id", async () => {
    const sentAt = new Date();
    const result = await notifier.send(generic(), alert, sentAt);
    expect(result).toEqual({ ok: true, status: 204 });

    const [got] = receiver.accepted({ kind: "generic", name: "ops" });
    expect(got!.headers["content-type"]).toBe("application/json");
    expect(got!.headers["webhook-id"]).toBe(alert.id);
    expect(got!.headers["webhook-timestamp"]).toBe(String(Math.floor(sentAt.getTime() / 1000)));
    const verified = new Webhook(signingSecret).verify(got!.rawBody, got!.headers as Record<string, string>);
    expect(verified).toEqual({ type: "credential.expired", timestamp: alert.raisedAt, data: alert });
    const otherKey = `whsec_${Buffer.from("somebody else's key").toString("base64")}`;
    expect(() => new Webhook(otherKey).verify(got!.rawBody, got!.headers as Record<string, string>)).toThrow();
  });

  it("delivers Slack and Teams messages to URLs with secret tails", async () => {
    const slack: WebhookSink = { name: "platform-slack", kind: "slack", url: receiver.urlFor("slack", "platform-slack", canaryTail) };
    const teams: WebhookSink = { name: "platform-teams", kind: "teams", url: receiver.urlFor("teams", "platform-teams", canaryTail) };
    expect(await notifier.send(slack, alert, new Date())).toEqual({ ok: true, status: 200 });
    expect(await notifier.send(teams, alert, new Date())).toEqual({ ok: true, status: 202 });
    expect(receiver.accepted({ kind: "slack" })[0]!.body).toEqual(slackMessage(alert));
    expect(receiver.accepted({ kind: "teams" })[0]!.body).toEqual(teamsMessage(alert));
    expect(receiver.accepted({ kind: "slack" })[0]!.headers["webhook-signature"]).toBeUndefined();
  });

  it("retries a 503 within the call with the same webhook-id, and succeeds", async () => {
    receiver.fail("ops", { times: 2 });
    const result = await notifier.send(generic(), alert, new Date());
    expect(result).toEqual({ ok: true, status: 204 });
    expect(receiver.received.map((r) => r.status)).toEqual([503, 503, 204]);
    expect(new Set(receiver.received.map((r) => r.headers["webhook-id"]))).toEqual(new Set([alert.id]));
    expect(waits).toEqual([10, 20]);
  });

  it("honours Retry-After on 429 before retrying", async () => {
    receiver.rateLimit("ops", { retryAfterSeconds: 7, times: 1 });
    const result = await notifier.send(generic(), alert, new Date());
    expect(result).toEqual({ ok: true, status: 204 });
    expect(receiver.received.map((r) => r.status)).toEqual([429, 204]);
    expect(waits).toEqual([7_000]);
  });

  it("leaves a long Retry-After to the outbox instead of blocking the call", async () => {
    receiver.rateLimit("ops", { retryAfterSeconds: 3600 });
    const result = await notifier.send(generic(), alert, new Date());
    expect(result).toMatchObject({ ok: false, status: 429, retryable: true, retryAfterSeconds: 3600 });
    expect(receiver.received).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it("does not retry a 4xx: the payload or URL is wrong, not the moment", async () => {
    receiver.fail("ops", { status: 404 });
    const result = await notifier.send(generic(), alert, new Date());
    expect(result).toMatchObject({ ok: false, status: 404, retryable: false });
    expect(receiver.received).toHaveLength(1);
  });

  it("gives up after the bounded attempts and says which sink failed", async () => {
    receiver.fail("ops");
    const result = await notifier.send(generic(), alert, new Date());
    expect(result).toEqual({
      ok: false,
      status: 503,
      retryable: true,
      error: `webhook "ops" (generic, ${new URL(receiver.url).host}) answered HTTP 503`,
    });
    expect(receiver.received).toHaveLength(3);
  });

  it("reports a receiver that is down or too slow as retryable, naming only the host", async () => {
    const slack: WebhookSink = { name: "chat", kind: "slack", url: receiver.urlFor("slack", "chat", canaryTail) };
    await receiver.down();
    const down = await notifier.send(slack, alert, new Date());
    await receiver.up();
    expect(down).toMatchObject({ ok: false, retryable: true });
    expect(down.ok || down.error).toBe(`webhook "chat" (slack, ${new URL(receiver.url).host}): request failed (ECONNREFUSED)`);

    receiver.emulator.faults.set("slack", { hangMs: 400 });
    const quick = createWebhookNotifier({ timeoutMs: 100, retries: 0 });
    const slow = await quick.send(slack, alert, new Date());
    expect(slow).toMatchObject({ ok: false, retryable: true });
    expect(slow.ok || slow.error).toMatch(/no answer within 100 ms/);
    expect(JSON.stringify([down, slow])).not.toContain("CANARY");
  });

  it("keeps a receiver's error code (Slack's invalid_blocks) and nothing of a free-text answer", async () => {
    const slack: WebhookSink = { name: "coded", kind: "slack", url: receiver.urlFor("slack", "coded", canaryTail) };
    receiver.fail("coded", { status: 400, body: "invalid_blocks" });
    const coded = await notifier.send(slack, alert, new Date());
    expect(coded.ok || coded.error).toBe(`webhook "coded" (slack, ${new URL(receiver.url).host}) answered HTTP 400: invalid_blocks`);
    receiver.fail("coded", { status: 400, body: "invalid blocks near CANARY-in-the-text" });
    const prose = await notifier.send(slack, alert, new Date());
    expect(prose.ok || prose.error).toBe(`webhook "coded" (slack, ${new URL(receiver.url).host}) answered HTTP 400`);
  });

  it("never puts a secret URL tail or a signing secret into a result", async () => {
    const results = [
      await notifier.send({ name: "bad", kind: "generic", url: receiver.urlFor("generic", "bad", canaryTail) }, alert, new Date()),
      await notifier.send({ name: "bad", kind: "generic", url: receiver.urlFor("generic", "bad", canaryTail), signingSecret: "CANARY-not-base64!!" }, alert, new Date()),
      await notifier.send({ name: "bad", kind: "slack", url: `ftp://files.example${canaryTail}` }, alert, new Date()),
      await (async () => {
        // Some services quote the request in their error answer.
        receiver.fail("bad", { status: 400, body: `Bad Request: POST /teams/bad${canaryTail} invalid card` });
        return notifier.send({ name: "bad", kind: "teams", url: receiver.urlFor("teams", "bad", canaryTail) }, alert, new Date());
      })(),
    ];
    expect(results.map((r) => r.ok)).toEqual([false, false, false, false]);
    expect(results.map((r) => (r.ok ? "" : r.error))).toEqual([
      `webhook "bad" (generic, ${new URL(receiver.url).host}): signingSecret is required for a generic webhook`,
      `webhook "bad" (generic, ${new URL(receiver.url).host}): signingSecret is not a valid "whsec_<base64>" key`,
      `webhook "bad" (slack, files.example): url must be an http(s) URL`,
      // The receiver's page echoes the request: none of it is quoted, only the status.
      `webhook "bad" (teams, ${new URL(receiver.url).host}) answered HTTP 400`,
    ]);
    expect(JSON.stringify(results)).not.toMatch(/canary/i);
  });
});
