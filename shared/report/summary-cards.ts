import { html, type SafeHtml } from "./html.js";
import type { ReportTotals } from "./totals.js";

function card(kind: string, label: string, value: number, note?: string): SafeHtml {
  return html`<div class="card ${kind}"><dt>${label}</dt><dd>${value}${note ? html`<small>${note}</small>` : ""}</dd></div>`;
}

/**
 * The totals as labelled cards (a <dl>: each number has its words, so colour is never the only signal),
 * then one "within N days" pill per alert threshold. Rotation/migration cards appear once there is such work.
 */
export function renderSummary(totals: ReportTotals, hasProgress: boolean): SafeHtml {
  const widest = totals.within[totals.within.length - 1];
  const cards = [
    card("c-total", "Watched", totals.watched, totals.unbound > 0 ? `${totals.unbound} not in the policy` : "all in the policy"),
    card("c-expired", "Expired", totals.expired, totals.expired > 0 ? "replace now" : "none"),
    widest ? card("c-expiring", "Expiring soon", widest.count, `within ${widest.days} days`) : "",
    card("c-long", "Long-lived", totals.longLived, "variables unchanged too long"),
    card("c-missing", "Not found", totals.notFound, "bindings that match nothing"),
    card("c-exposed", "Exposed contexts", totals.exposed, totals.exposureUnknown > 0 ? `${totals.exposureUnknown} unknown (restrictions unreadable)` : "secrets any project can use"),
    card("c-drifted", "Drifted", totals.drifted, totals.driftUnknown > 0 ? `${totals.driftUnknown} unknown (CircleCI or Key Vault unreadable)` : "CircleCI values changed outside the watchdog"),
    card("c-work", "Rotations due", totals.rotationsDue, totals.migrationsDue > 0 ? `${totals.migrationsDue} migrations due` : "this cycle"),
    hasProgress ? card("c-work", "Rotating", totals.rotating, "rotations in progress") : "",
    hasProgress ? card("c-work", "Migrating to OIDC", totals.migrating, `${totals.federated} federated`) : "",
  ];
  const pills = totals.within.map((w) => html`<li>Within ${w.days} ${w.days === 1 ? "day" : "days"}: <b>${w.count}</b></li>`);
  return html`<section aria-labelledby="totals-heading">
<h2 id="totals-heading">Totals</h2>
<dl class="cards">${cards}</dl>
${pills.length > 0 ? html`<ul class="thresholds" aria-label="Credentials expiring within each alert threshold">${pills}</ul>` : ""}
</section>`;
}
