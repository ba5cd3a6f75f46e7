import type { SourceError } from "../domain/snapshot.js";
import { describeProjectCoverage } from "../domain/plan/index.js";
import { describeHealth } from "../domain/self-watch/cycle-health.js";
import { renderAuditTable } from "./audit-table.js";
import { reportPagePolicy } from "./content-security-policy.js";
import { renderCredentialTable } from "./credential-table.js";
import { renderOwnershipTable } from "./ownership-table.js";
import { renderMigrationsTable } from "./migrations-table.js";
import { html, trustedHtml, type SafeHtml } from "./html.js";
import type { ReportInput } from "./report-input.js";
import { reportStylesheet } from "./styles.js";
import { renderSummary } from "./summary-cards.js";
import { renderTimeline } from "./timeline.js";
import { reportTotals, sortedThresholds } from "./totals.js";
import { describeAgo, formatMinute } from "./wording.js";

const shieldPath = "M12 2 4 5v6c0 5 3.4 9.4 8 11 4.6-1.6 8-6 8-11V5l-8-3Z";
// A data: favicon keeps the browser from asking the server for /favicon.ico (the CSP allows data: images only).
const favicon = `data:image/svg+xml,${encodeURIComponent(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="#0f2942" d="${shieldPath}"/></svg>`)}`;

function renderIncomplete(errors: readonly SourceError[]): SafeHtml {
  return html`<section class="warn" role="alert" aria-labelledby="incomplete-heading">
<h2 id="incomplete-heading">⚠ Inventory incomplete: nothing is removed this cycle</h2>
<ul>${errors.map((e) => html`<li><b>${e.source}</b> ${e.where}: ${e.message}</li>`)}</ul>
</section>`;
}

const readBy = { cycle: "the watchdog cycle", refresh: "a refresh" } as const;
const refreshWording = {
  ran: "refreshed for this request",
  shared: "refreshed (shared with a refresh already running)",
  "too-soon": "refresh skipped: the last read is more recent than the minimum interval",
  busy: "refresh still running elsewhere: showing the last read",
} as const;

/** The header line of a page served from the stored read: when the sources were read, by what, and whether completely. */
function renderReadLine(read: NonNullable<ReportInput["read"]>, now: Date): SafeHtml {
  const complete = read.complete ? "inventory complete" : "inventory INCOMPLETE";
  return html`<p>Inventory taken <time datetime="${read.takenAt}">${formatMinute(read.takenAt)}</time> (${describeAgo(read.takenAt, now)}) by ${readBy[read.origin]} · ${complete}${read.refresh ? ` · ${refreshWording[read.refresh]}` : ""} · page rendered ${formatMinute(now.toISOString())}</p>`;
}

/**
 * The status page: one self-contained HTML document (inline stylesheet, inline SVG, no script, no request
 * to anywhere). Pure: the same input gives the same bytes. Every outside name goes through `html`, which
 * escapes it. The plan holds names and dates only, so no secret value can reach the page.
 */
export function renderReport(input: ReportInput): string {
  const { plan, now } = input;
  const title = input.title ?? "secret-watchdog status";
  const thresholds = sortedThresholds(input.thresholdsDays);
  const states = input.states ?? {};
  const totals = reportTotals({ plan, thresholdsDays: thresholds, states });

  const page = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${reportPagePolicy}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<link rel="icon" href="${favicon}">
<style>${trustedHtml(reportStylesheet)}</style>
</head>
<body>
<header class="top">
<h1><svg class="shield" viewBox="0 0 24 24" aria-hidden="true"><path fill="#7cc4fa" d="${shieldPath}"/></svg>${title}</h1>
${input.read ? renderReadLine(input.read, now) : html`<p>Plan of ${formatMinute(plan.generatedAt)} · page rendered ${formatMinute(now.toISOString())} · ${plan.complete ? "inventory complete" : "inventory INCOMPLETE"}</p>`}
${plan.projectCoverage ? html`<p class="coverage">Coverage: ${describeProjectCoverage(plan.projectCoverage)}</p>` : ""}
${input.health ? html`<p class="health">Watchdog: ${describeHealth(input.health)}</p>` : ""}
</header>
<main>
${plan.complete ? "" : renderIncomplete(plan.sourceErrors)}
${renderSummary(totals, Object.keys(states).length > 0)}
${renderTimeline(plan.credentials, thresholds)}
${renderCredentialTable(plan, states)}
${renderOwnershipTable(plan)}
${renderMigrationsTable(plan)}
${renderAuditTable(input.audit, now)}
</main>
<footer>secret-watchdog · names, ids and dates only: no secret value is ever shown here.</footer>
</body>
</html>
`;
  return page.markup;
}
