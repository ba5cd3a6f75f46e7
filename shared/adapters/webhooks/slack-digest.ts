import type { Severity } from "../../domain/alert.js";
import { describeCount, seeAllHint, seeAllLine, shownItems, type Digest } from "../../domain/alerts/digest.js";
import { escapeSlack, truncate } from "./escape.js";

const icon: Record<Severity, string> = { critical: ":red_circle:", warning: ":warning:", info: ":white_check_mark:" };

// Block Kit limits (https://api.slack.com/reference/block-kit/blocks): header text 150 characters, section
// text 3000, context text 2000, at most 50 blocks per message — 10 items plus 5 other blocks stay well inside.
const headerMax = 150;
const sectionMax = 3000;
const contextMax = 2000;

/** One incoming-webhook message for many alerts: counts, the most urgent items with their next step, where to see the rest. */
export function slackDigestMessage(digest: Digest): Record<string, unknown> {
  const shown = digest.alerts.slice(0, shownItems);
  const counts = digest.counts.map((c) => `${icon[c.severity]} ${escapeSlack(describeCount(c))}`).join("\n");
  const items = shown.map((alert) => ({
    type: "section",
    text: {
      type: "mrkdwn",
      text: truncate(`${icon[alert.severity]} *${escapeSlack(alert.title)}*\nNext step: ${escapeSlack(alert.nextStep.split("\n")[0] ?? "")}`, sectionMax),
    },
  }));
  const blocks: Array<Record<string, unknown>> = [
    // plain_text is not parsed as mrkdwn: the title needs no escaping there.
    { type: "header", text: { type: "plain_text", text: truncate(digest.title, headerMax), emoji: true } },
  ];
  if (counts) blocks.push({ type: "section", text: { type: "mrkdwn", text: truncate(counts, sectionMax) } });
  if (items.length > 0) blocks.push({ type: "divider" }, ...items, { type: "divider" });
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: truncate(escapeSlack(seeAllLine(digest, shown.length)), contextMax) }] });
  return { text: escapeSlack(`${digest.title}. ${seeAllHint(digest)}`), blocks };
}
