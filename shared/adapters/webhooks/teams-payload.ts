import type { Alert, Severity } from "../../domain/alert.js";
import { alertFacts } from "./alert-facts.js";

const color: Record<Severity, string> = { critical: "Attention", warning: "Warning", info: "Good" };

/**
 * Untrusted text goes only into TextRun elements: TextBlock and FactSet parse Markdown (a name
 * could become a link), and backslash escapes render differently across Teams clients, while a
 * TextRun is always shown as plain text.
 */
function plain(text: string, style: Record<string, string> = {}): Record<string, unknown> {
  return { type: "TextRun", text, ...style };
}

function factBlock(label: string, value: string): Record<string, unknown> {
  return { type: "RichTextBlock", inlines: [plain(`${label}: `, { weight: "Bolder" }), plain(value)], spacing: "None" };
}

/** A Workflows ("When a Teams webhook request is received") message carrying one Adaptive Card 1.4. */
export function teamsMessage(alert: Alert): Record<string, unknown> {
  const body: Array<Record<string, unknown>> = [
    { type: "RichTextBlock", inlines: [plain(alert.title, { weight: "Bolder", size: "Medium", color: color[alert.severity] })] },
    { type: "Container", spacing: "Medium", items: alertFacts(alert).map((fact) => factBlock(fact.label, fact.value)) },
    { type: "TextBlock", text: "Next step", weight: "Bolder", spacing: "Medium", wrap: true },
    { type: "RichTextBlock", inlines: [plain(alert.nextStep, { fontType: "Monospace" })] },
  ];
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          msteams: { width: "Full" },
          body,
        },
      },
    ],
  };
}
