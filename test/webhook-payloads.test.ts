import { describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import type { Alert } from "#shared/domain/alert.js";
import { buildDigest, describeSink, redactUrlParts, shownItems } from "#shared/domain/alerts/index.js";
import { genericBatchBody, genericBody, signedHeaders, slackDigestMessage, slackMessage, teamsDigestMessage, teamsMessage } from "#shared/adapters/webhooks/index.js";

const alert: Alert = {
  id: "msg_0123456789abcdef0123456789abcdef",
  kind: "expiring",
  severity: "critical",
  credential: "prod-deploy",
  title: "prod-deploy: client secret expires in 6 days (within 7 days)",
  source: {
    circleci: { context: "prod-deploy", variable: "AZURE_CLIENT_SECRET" },
    entra: { appId: "11111111-2222-3333-4444-555555555555", appName: "deploy-prod", keyId: "0f1e2d3c-aaaa-bbbb-cccc-123456789abc" },
    keyVault: { secretName: "cci-prod-deploy" },
  },
  daysLeft: 6,
  expiresAt: "2026-03-11T06:00:00.000Z",
  threshold: 7,
  nextStep: "watchdog rotate prod-deploy",
  raisedAt: "2026-03-05T06:00:00.000Z",
};

// Names come from CircleCI and Entra: a hostile one tries a Slack broadcast, a link and Markdown.
const hostileName = "<!channel> & <https://evil.example|click> [here](https://evil.example) **now** _x_";
const hostile: Alert = {
  ...alert,
  kind: "long-lived",
  credential: `circleci:context:${hostileName}:TOKEN`,
  title: `circleci:context:${hostileName}:TOKEN: CircleCI variable unchanged for 120 days`,
  source: { circleci: { context: hostileName, variable: "TOKEN" }, entra: { appId: "x", appName: hostileName } },
  nextStep: `credentials:\n  - name: token\n    circleci: { context: "${hostileName}", variable: TOKEN }\n\`\`\`\n<!here>`,
};

describe("generic (Standard Webhooks) payload", () => {
  it("is {type, timestamp, data} with the alert as data and the raise time as timestamp", () => {
    expect(JSON.parse(genericBody(alert))).toEqual({ type: "credential.expiring", timestamp: alert.raisedAt, data: alert });
  });

  it("is signed so that a receiver holding the secret verifies it, and a changed body fails", () => {
    const secret = `whsec_${Buffer.from("a sandbox signing key of 32 bytes").toString("base64")}`;
    const body = genericBody(alert);
    const sentAt = new Date();
    const headers = signedHeaders(secret, alert, sentAt, body);
    expect(headers["webhook-id"]).toBe(alert.id);
    expect(headers["webhook-timestamp"]).toBe(String(Math.floor(sentAt.getTime() / 1000)));
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace("prod-deploy", "prod-deplox"), headers)).toThrow();
  });
});

interface SlackBlock {
  type: string;
  text?: { type: string; text: string; emoji?: boolean };
  fields?: Array<{ type: string; text: string }>;
  elements?: Array<{ type: string; text: string }>;
}

function slackParts(message: Record<string, unknown>) {
  const blocks = message.blocks as SlackBlock[];
  const mrkdwn = [
    message.text as string,
    ...blocks.flatMap((b) => [...(b.fields ?? []), ...(b.elements ?? []), ...(b.text?.type === "mrkdwn" ? [b.text] : [])].map((t) => t.text)),
  ];
  return { blocks, mrkdwn };
}

describe("Slack Block Kit payload", () => {
  it("has a text fallback, a header, a section of fields and a context with the next step", () => {
    const message = slackMessage(alert);
    const { blocks } = slackParts(message);
    expect(message.text).toBe("prod-deploy: client secret expires in 6 days (within 7 days). Next step: watchdog rotate prod-deploy");
    expect(blocks.map((b) => b.type)).toEqual(["header", "section", "context"]);
    expect(blocks[0]!.text).toEqual({ type: "plain_text", text: `:red_circle: ${alert.title}`, emoji: true });
    const fields = blocks[1]!.fields!;
    expect(fields.length).toBeLessThanOrEqual(10);
    expect(fields.every((f) => f.type === "mrkdwn" && f.text.length <= 2000)).toBe(true);
    expect(fields.map((f) => f.text)).toEqual([
      "*Credential*\nprod-deploy",
      "*CircleCI*\ncontext prod-deploy / AZURE_CLIENT_SECRET",
      "*Entra app*\ndeploy-prod (11111111-2222-3333-4444-555555555555)",
      "*Secret key id*\n0f1e2d3c-aaaa-bbbb-cccc-123456789abc",
      "*Key Vault secret*\ncci-prod-deploy",
      "*Days left*\n6",
      "*Expires*\n2026-03-11T06:00:00.000Z",
      "*Severity*\ncritical",
    ]);
    expect(blocks[2]!.elements).toEqual([{ type: "mrkdwn", text: "*Next step:* watchdog rotate prod-deploy" }]);
  });

  it("escapes &, < and > of untrusted names in every mrkdwn text, so no mention or link can form", () => {
    const { blocks, mrkdwn } = slackParts(slackMessage(hostile));
    for (const text of mrkdwn) {
      expect(text).not.toMatch(/[<>]/);
      expect(text.replace(/&(amp|lt|gt);/g, "")).not.toContain("&");
    }
    expect(mrkdwn.join("\n")).toContain("&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;");
    // The multi-line next step is a code block that the snippet's own ``` cannot close early.
    const next = blocks[2]!.elements![0]!.text;
    expect(next.startsWith("*Next step:*\n```")).toBe(true);
    expect(next.endsWith("```")).toBe(true);
    expect(next.slice("*Next step:*\n```".length, -3)).not.toContain("```");
  });

  it("keeps the header within Block Kit's 150 characters", () => {
    const long = { ...alert, title: `${"x".repeat(300)}: client secret expired` };
    const header = slackParts(slackMessage(long)).blocks[0]!.text!.text;
    expect(header.length).toBeLessThanOrEqual(150);
    expect(header.endsWith("…")).toBe(true);
  });
});

interface CardElement {
  type: string;
  [key: string]: unknown;
}

// Element types Adaptive Cards 1.4 defines (body elements, containers and inlines).
const adaptiveCard14Types = new Set([
  "TextBlock", "Image", "Media", "RichTextBlock", "TextRun", "ActionSet", "Container", "ColumnSet", "Column",
  "FactSet", "ImageSet", "Input.Text", "Input.Number", "Input.Date", "Input.Time", "Input.Toggle", "Input.ChoiceSet",
]);

/** Every element of a card body, depth first. */
function elements(items: CardElement[]): CardElement[] {
  return items.flatMap((item) => [
    item,
    ...elements((item.items as CardElement[] | undefined) ?? []),
    ...elements((item.columns as CardElement[] | undefined) ?? []),
    ...elements((item.inlines as CardElement[] | undefined) ?? []),
  ]);
}

describe("Teams Adaptive Card payload", () => {
  it("is a Workflows message with one Adaptive Card 1.4 attachment", () => {
    const message = teamsMessage(alert) as { type: string; attachments: Array<{ contentType: string; content: Record<string, unknown> }> };
    expect(message.type).toBe("message");
    expect(message.attachments).toHaveLength(1);
    const [attachment] = message.attachments;
    expect(attachment!.contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(attachment!.content).toMatchObject({ type: "AdaptiveCard", version: "1.4", $schema: "http://adaptivecards.io/schemas/adaptive-card.json" });

    const all = elements(attachment!.content.body as CardElement[]);
    for (const element of all) {
      expect(adaptiveCard14Types.has(element.type), `element type ${element.type}`).toBe(true);
      if (element.type === "TextBlock" || element.type === "TextRun") expect(typeof element.text).toBe("string");
      if (element.type === "RichTextBlock") expect((element.inlines as CardElement[]).every((i) => i.type === "TextRun")).toBe(true);
    }
    const text = all.filter((e) => e.type === "TextRun").map((e) => e.text as string);
    expect(text).toContain(alert.title);
    expect(text.join(" ")).toContain("Credential: ");
    expect(text).toContain("context prod-deploy / AZURE_CLIENT_SECRET");
    expect(text).toContain("cci-prod-deploy");
    expect(text).toContain("watchdog rotate prod-deploy");
  });

  it("puts untrusted names only into TextRuns, which Teams never reads as Markdown", () => {
    const card = (teamsMessage(hostile) as { attachments: Array<{ content: { body: CardElement[] } }> }).attachments[0]!.content;
    const all = elements(card.body);
    const markdownText = JSON.stringify(all.filter((e) => e.type === "TextBlock" || e.type === "FactSet"));
    expect(markdownText).not.toContain("evil.example");
    const runs = all.filter((e) => e.type === "TextRun").map((e) => e.text as string);
    expect(runs.some((t) => t.includes(hostileName))).toBe(true);
  });
});

describe("sink descriptions and redaction", () => {
  const url = "https://hooks.slack.com/services/T0CANARY/B0CANARY/CANARYsecretTOKEN123?sig=CANARYSIG456&api-version=1";

  it("describe a sink by its name, kind and host only", () => {
    expect(describeSink({ name: "ops", kind: "slack", url })).toBe('webhook "ops" (slack, hooks.slack.com)');
    expect(describeSink({ name: "ops", kind: "slack", url: "not a url CANARY" })).not.toContain("CANARY");
  });

  it("remove the URL's path and query from any text", () => {
    const text = `POST ${url} failed; path /services/T0CANARY/B0CANARY/CANARYsecretTOKEN123 token CANARYsecretTOKEN123 sig=CANARYSIG456`;
    const redacted = redactUrlParts(text, url);
    expect(redacted).not.toContain("CANARY");
    expect(redacted).toContain("POST [redacted] failed");
  });
});

describe("digest payloads", () => {
  const many: Alert[] = Array.from({ length: 30 }, (_, i) => ({ ...hostile, id: `msg_${String(i).padStart(32, "0")}`, daysLeft: i }));
  const digest = buildDigest({ kind: "digest", sink: "chat", alerts: many, keep: shownItems, reportUrl: "https://watchdog.example/api/report", now: new Date("2026-03-05T06:00:00.000Z") });

  it("Slack: within Block Kit's limits, hostile names escaped, ten items with their next step and the rest counted", () => {
    const message = slackDigestMessage(digest) as { text: string; blocks: SlackBlock[] };
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(message.blocks[0]!.text!.text.length).toBeLessThanOrEqual(150);
    const mrkdwn = JSON.stringify(message.blocks.filter((b) => b.type !== "header"));
    expect(mrkdwn).not.toContain("<!channel>");
    expect(mrkdwn).not.toContain("<!here>");
    expect(mrkdwn).not.toContain("<https://evil");
    expect(message.blocks.filter((b) => b.text?.text.includes("Next step:"))).toHaveLength(10);
    expect(JSON.stringify(message.blocks.at(-1))).toContain("… and 20 more. To see everything, run `watchdog plan` or open https://watchdog.example/api/report.");
    expect(message.text).not.toContain("<!channel>");
  });

  it("Teams: hostile names only in TextRuns, ten items and the rest counted", () => {
    const card = JSON.stringify(teamsDigestMessage(digest));
    expect(card).not.toMatch(/"type":"TextBlock","text":"[^"]*<!channel>/);
    expect(card).toContain("… and 20 more.");
    expect(card.match(/Next step: /g)).toHaveLength(10);
  });

  it("generic batch: one signed event carrying every alert with its own id", () => {
    const batch = buildDigest({ kind: "batch", sink: "ops", alerts: many, now: new Date("2026-03-05T06:00:00.000Z") });
    const body = JSON.parse(genericBatchBody(batch)) as { type: string; data: { id: string; alerts: Alert[] } };
    expect(body.type).toBe("credential.batch");
    expect(body.data.alerts.map((a) => a.id).sort()).toEqual(many.map((a) => a.id).sort());
    expect(body.data.id).toBe(batch.id);
  });
});
