import type { Alert, Severity } from "../../domain/alert.js";
import { alertFacts } from "./alert-facts.js";
import { escapeSlack, escapeSlackCode, truncate } from "./escape.js";

const icon: Record<Severity, string> = { critical: ":red_circle:", warning: ":warning:", info: ":white_check_mark:" };

// Block Kit limits: header text 150 chars, 10 fields of 2000 chars, context text 2000 chars.
const headerMax = 150;
const fieldMax = 2000;
const maxFields = 10;
const contextMax = 2000;

function nextStepText(nextStep: string): string {
  if (!nextStep.includes("\n")) return `*Next step:* ${escapeSlack(nextStep)}`;
  return `*Next step:*\n\`\`\`${escapeSlackCode(nextStep)}\`\`\``;
}

/** An incoming-webhook message: `text` for notifications and old clients, `blocks` for the layout. */
export function slackMessage(alert: Alert): Record<string, unknown> {
  const fields = alertFacts(alert)
    .slice(0, maxFields)
    .map((fact) => ({ type: "mrkdwn", text: truncate(`*${fact.label}*\n${escapeSlack(fact.value)}`, fieldMax) }));
  return {
    text: escapeSlack(`${alert.title}. Next step: ${alert.nextStep.split("\n")[0] ?? ""}`),
    blocks: [
      // plain_text is not parsed as mrkdwn: the title needs no escaping there.
      { type: "header", text: { type: "plain_text", text: truncate(`${icon[alert.severity]} ${alert.title}`, headerMax), emoji: true } },
      { type: "section", fields },
      { type: "context", elements: [{ type: "mrkdwn", text: truncate(nextStepText(alert.nextStep), contextMax) }] },
    ],
  };
}
