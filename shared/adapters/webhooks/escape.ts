/**
 * Slack mrkdwn: `&`, `<` and `>` are control characters (links, mentions such as <!channel>); Slack
 * asks for exactly these three to be HTML-escaped in untrusted text.
 */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Slack code blocks end at ``` : keep an untrusted snippet from closing its block early. */
export function escapeSlackCode(text: string): string {
  return escapeSlack(text).replace(/```/g, "`\u200b`\u200b`");
}

/** Cuts to at most `max` characters (Slack rejects over-long header and field texts). */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
