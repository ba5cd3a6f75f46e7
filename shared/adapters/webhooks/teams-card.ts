import type { Severity } from "../../domain/alert.js";

export const severityColor: Record<Severity, string> = { critical: "Attention", warning: "Warning", info: "Good" };

/**
 * Untrusted text goes only into TextRun elements: TextBlock and FactSet parse Markdown (a name
 * could become a link), and backslash escapes render differently across Teams clients, while a
 * TextRun is always shown as plain text.
 */
export function plain(text: string, style: Record<string, string | boolean> = {}): Record<string, unknown> {
  return { type: "TextRun", text, ...style };
}

/** A Workflows ("When a Teams webhook request is received") message carrying one Adaptive Card 1.4. */
export function adaptiveCardMessage(body: Array<Record<string, unknown>>): Record<string, unknown> {
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
