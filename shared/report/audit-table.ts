import type { AuditEntry } from "../ports/state-store.js";
import { html, type SafeHtml } from "./html.js";
import { describeAgo, formatMinute } from "./wording.js";

/** The page lists at most this many events: the newest, which is what an operator checks first. */
export const auditLimit = 20;

function details(entry: AuditEntry): SafeHtml {
  const pairs = Object.entries(entry.details ?? {});
  if (pairs.length === 0) return html``;
  return html`${pairs.map(([key, value], i) => html`${i > 0 ? " · " : ""}${key}: <span class="id">${value === null ? "none" : String(value)}</span>`)}`;
}

export function renderAuditTable(audit: readonly AuditEntry[], now: Date): SafeHtml {
  const shown = audit.slice(0, auditLimit);
  const rows = shown.map(
    (e) =>
      html`<tr><td class="num"><time datetime="${e.at}">${formatMinute(e.at)}</time><br><span class="muted">${describeAgo(e.at, now)}</span></td><td><span class="id">${e.event}</span></td><td>${e.actor}</td><td>${e.subject}</td><td>${details(e)}</td></tr>\n`,
  );
  return html`<section aria-labelledby="audit-heading">
<h2 id="audit-heading">Latest audit events</h2>
${
  shown.length === 0
    ? html`<p class="muted">No audit events have been recorded yet.</p>`
    : html`<div class="table-wrap"><table>
<caption>The ${shown.length} most recent ${shown.length === 1 ? "event" : "events"}, newest first.</caption>
<thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Actor</th><th scope="col">Subject</th><th scope="col">Details</th></tr></thead>
<tbody>
${rows}</tbody>
</table></div>`
}
</section>`;
}
