import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openWatchdog } from "#shared/app/watchdog.js";
import { createAzureStateStore } from "#shared/adapters/state/azure/index.js";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { busyOrgPolicyYaml, busyOrgShape, busyOrgWorld } from "../sandbox/world/busy-org.js";
import { startAzurite, type Azurite } from "./support/azurite.js";

const DAY = 86_400_000;

interface SlackBody {
  text: string;
  blocks: Array<{ type: string; text?: { text: string }; elements?: Array<{ text: string }> }>;
}

// Issue 17's organization: 300 app secrets expiring over the next 30 days, 60 old context variables, one Slack
// channel paced like Slack (1 message/s, 429 + Retry-After) and one generic receiver. The watchdog runs as the
// command line does (openWatchdog(env, { host: "cli" }).run: a Function App would refuse the loopback receivers), with its state in Azure Tables (Azurite) and a clock the test moves.
describe("alert volume on a busy organization", () => {
  // The real time: generic signatures are checked against it (Standard Webhooks allows five minutes of skew).
  const start = new Date();
  let clock = start;
  let sandbox: Sandbox;
  let azurite: Azurite;
  let env: Record<string, string>;
  const run = async (options: { baseline?: boolean } = {}) => {
    sandbox.receiver.clear();
    const watchdog = await openWatchdog(env, { host: "cli", now: () => clock });
    return watchdog.run({ dryRun: false, actor: "timer", ...options });
  };
  const slack = () => sandbox.receiver.received.filter((h) => h.kind === "slack");
  const generic = () => sandbox.receiver.accepted({ kind: "generic" });

  beforeAll(async () => {
    sandbox = await startSandbox(busyOrgWorld(start), { now: () => clock });
    azurite = await startAzurite();
    const dir = mkdtempSync(join(tmpdir(), "watchdog-volume-"));
    writeFileSync(join(dir, "policy.yaml"), busyOrgPolicyYaml);
    env = {
      ...sandbox.env,
      WATCHDOG_POLICY: join(dir, "policy.yaml"),
      AzureWebJobsStorage: azurite.connectionString,
      WATCHDOG_REPORT_URL: "https://watchdog.example/api/report",
    };
    // DefaultAzureCredential reads process.env, as in a Function App.
    Object.assign(process.env, env);
    sandbox.receiver.pace("platform-slack");
  });
  afterAll(async () => {
    await sandbox.close();
    await azurite.stop();
  });

  it("the first cycle sends one baseline digest to Slack and every alert as its own signed event to the generic sink", { timeout: 120_000 }, async () => {
    const report = await run();
    expect(report.failures).toEqual([]);
    const alerts = busyOrgShape.apps + busyOrgShape.contexts * busyOrgShape.variablesPerContext;
    expect(report.alerts.raised).toHaveLength(alerts);
    expect(report.alerts.baseline).toBe(true);

    expect(slack()).toHaveLength(1);
    const body = slack()[0]!.body as SlackBody;
    expect(body.text).toBe(
      "secret-watchdog is now watching 360 credentials: 0 expired, 300 expiring, 60 long-lived — here is the plan. See everything: `watchdog plan` or https://watchdog.example/api/report",
    );
    const texts = body.blocks.map((b) => [b.text?.text ?? "", ...(b.elements ?? []).map((e) => e.text)].join("\n")).join("\n");
    // Counts by kind and severity, the most urgent items first, each with its next step, and how to see the rest.
    expect(texts).toContain("10 expiring (critical)");
    expect(texts).toContain("60 long-lived (warning)");
    expect(body.blocks.filter((b) => b.type === "section" && b.text?.text.includes("Next step:"))).toHaveLength(10);
    expect(texts).toMatch(/client secret expires in 1 day \(within 1 day\)/);
    expect(texts).toContain("… and 350 more. To see everything, run `watchdog plan` or open https://watchdog.example/api/report.");
    expect(sandbox.receiver.paced("platform-slack")).toBe(0);

    expect(generic()).toHaveLength(alerts);
    const verifier = new Webhook(sandbox.signingSecret);
    for (const hook of generic()) verifier.verify(hook.rawBody, hook.headers as Record<string, string>);
    expect(new Set(generic().map((h) => h.headers["webhook-id"])).size).toBe(alerts);
    expect(report.alerts.deliveries.filter((d) => d.sink === "platform-slack")).toEqual([
      expect.objectContaining({ digest: { kind: "baseline", alerts } }),
    ]);
  });

  it("the second cycle sends nothing", async () => {
    clock = new Date(start.getTime() + 3_600_000);
    const report = await run();
    expect(report.failures).toEqual([]);
    expect(report.alerts.raised).toEqual([]);
    expect(sandbox.receiver.received).toEqual([]);
  });

  it("a day later the thresholds crossed overnight reach Slack as one digest (and the generic sink as events)", async () => {
    clock = new Date(start.getTime() + DAY);
    const report = await run();
    expect(report.failures).toEqual([]);
    // Ten secrets a day: those that were at 15, 8, 4 and 2 days now cross 14, 7, 3 and 1; those at 1 expired.
    expect(report.alerts.raised.map((a) => `${a.kind}:${a.threshold ?? ""}`).sort()).toEqual(
      [...Array<string>(10).fill("expired:"), ...[1, 14, 3, 7].flatMap((t) => Array<string>(10).fill(`expiring:${t}`))].sort(),
    );
    expect(slack()).toHaveLength(1);
    expect((slack()[0]!.body as SlackBody).text).toMatch(/^secret-watchdog: 50 alerts \(\d+ critical, \d+ warning\)/);
    expect(generic()).toHaveLength(50);
    expect(report.alerts.baseline).toBe(false);
  });

  it("state: every alert that reached Slack in a digest is marked delivered and is not queued for it again", async () => {
    const store = createAzureStateStore({ connectionString: azurite.connectionString });
    const outbox = await store.list<{ sink: string; state: string; digest?: { total: number } }>("outbox");
    const slackRecords = outbox.filter((r) => r.value.sink === "platform-slack");
    expect(slackRecords.map((r) => [r.value.state, r.value.digest?.total])).toEqual(
      expect.arrayContaining([
        ["delivered", 360],
        ["delivered", 50],
      ]),
    );
    expect(slackRecords).toHaveLength(2);
  });
});
