import { describeCount, seeAllLine, shownItems, type Digest } from "../../domain/alerts/digest.js";
import { adaptiveCardMessage, plain, severityColor } from "./teams-card.js";

/** One Workflows message for many alerts: counts, the most urgent items with their next step, where to see the rest. */
export function teamsDigestMessage(digest: Digest): Record<string, unknown> {
  const shown = digest.alerts.slice(0, shownItems);
  const body: Array<Record<string, unknown>> = [
    { type: "RichTextBlock", inlines: [plain(digest.title, { weight: "Bolder", size: "Medium" })] },
    {
      type: "Container",
      spacing: "Medium",
      items: digest.counts.map((c) => ({ type: "RichTextBlock", spacing: "None", inlines: [plain(describeCount(c), { color: severityColor[c.severity] })] })),
    },
    ...shown.map((alert) => ({
      type: "Container",
      spacing: "Medium",
      items: [
        { type: "RichTextBlock", inlines: [plain(alert.title, { weight: "Bolder", color: severityColor[alert.severity] })] },
        { type: "RichTextBlock", spacing: "None", inlines: [plain("Next step: "), plain(alert.nextStep, { fontType: "Monospace" })] },
      ],
    })),
    { type: "RichTextBlock", spacing: "Medium", inlines: [plain(seeAllLine(digest, shown.length), { isSubtle: true })] },
  ];
  return adaptiveCardMessage(body);
}
