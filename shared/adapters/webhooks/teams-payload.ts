import type { Alert } from "../../domain/alert.js";
import { alertFacts } from "./alert-facts.js";
import { adaptiveCardMessage, plain, severityColor } from "./teams-card.js";

function factBlock(label: string, value: string): Record<string, unknown> {
  return { type: "RichTextBlock", inlines: [plain(`${label}: `, { weight: "Bolder" }), plain(value)], spacing: "None" };
}

/** A Workflows ("When a Teams webhook request is received") message carrying one Adaptive Card 1.4. */
export function teamsMessage(alert: Alert): Record<string, unknown> {
  return adaptiveCardMessage([
    { type: "RichTextBlock", inlines: [plain(alert.title, { weight: "Bolder", size: "Medium", color: severityColor[alert.severity] })] },
    { type: "Container", spacing: "Medium", items: alertFacts(alert).map((fact) => factBlock(fact.label, fact.value)) },
    { type: "TextBlock", text: "Next step", weight: "Bolder", spacing: "Medium", wrap: true },
    { type: "RichTextBlock", inlines: [plain(alert.nextStep, { fontType: "Monospace" })] },
  ]);
}
