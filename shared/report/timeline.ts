import type { WatchedCredential } from "../domain/finding.js";
import { credentialLabel } from "./credential-label.js";
import { html, type SafeHtml } from "./html.js";
import { countsTowardExpiry, isExpired } from "./totals.js";
import { describeDaysLeft, formatDay } from "./wording.js";

/** How far ahead the chart looks. */
export const timelineDays = 90;

/**
 * Chart geometry in viewBox units; the SVG scales to its box, so only proportions matter to a reader. The
 * plot is as tall as its highest stack of marks needs, between a floor and a ceiling.
 */
const viewWidth = 960;
const plotX = { left: 120, right: 930 };
const plotTop = 36;
const plotHeight = { min: 90, max: 170 };
const expiredX = 58;
const markRadius = 5;
const tickEvery = 15;
/** At or under this many days a mark is drawn as the most urgent (red triangle). */
const urgentDays = 7;

interface Plot {
  top: number;
  baseline: number;
}

type Band = "expired" | "urgent" | "soon" | "later";

interface Mark {
  credential: WatchedCredential;
  band: Band;
  x: number;
}

const fixed = (n: number) => Number(n.toFixed(2));

function xForDays(daysLeft: number): number {
  return plotX.left + (daysLeft / timelineDays) * (plotX.right - plotX.left);
}

function stacks(marks: Mark[]): Mark[][] {
  const byX = new Map<number, Mark[]>();
  for (const mark of marks) byX.set(mark.x, [...(byX.get(mark.x) ?? []), mark]);
  return [...byX.values()];
}

function plotFor(stacked: Mark[][]): Plot {
  const highest = Math.max(1, ...stacked.map((stack) => stack.length));
  const height = Math.min(plotHeight.max, Math.max(plotHeight.min, (highest - 1) * 2.4 * markRadius + 2 * markRadius + 8));
  return { top: plotTop, baseline: plotTop + height };
}

function bandOf(credential: WatchedCredential, soonDays: number): Band {
  if (isExpired(credential)) return "expired";
  const left = credential.daysLeft ?? Number.POSITIVE_INFINITY;
  if (left <= urgentDays) return "urgent";
  return left <= soonDays ? "soon" : "later";
}

function shape(band: Band, x: number, y: number, r: number): SafeHtml {
  const at = (dx: number, dy: number) => `${fixed(x + dx * r)} ${fixed(y + dy * r)}`;
  switch (band) {
    case "expired":
      return html`<path class="m-expired" d="M${at(-1, -1)}L${at(1, 1)}M${at(1, -1)}L${at(-1, 1)}"/>`;
    case "urgent":
      return html`<path class="mark m-urgent" d="M${at(0, -1.2)}L${at(1.1, 0.8)}L${at(-1.1, 0.8)}Z"/>`;
    case "soon":
      return html`<circle class="mark m-soon" cx="${fixed(x)}" cy="${fixed(y)}" r="${fixed(r)}"/>`;
    case "later":
      return html`<rect class="mark m-later" x="${fixed(x - 0.9 * r)}" y="${fixed(y - 0.9 * r)}" width="${fixed(1.8 * r)}" height="${fixed(1.8 * r)}"/>`;
  }
}

function markTitle(credential: WatchedCredential): string {
  const left = credential.daysLeft ?? 0;
  const when = credential.expiresAt ? ` (${formatDay(credential.expiresAt)})` : "";
  return `${credentialLabel(credential)}: ${describeDaysLeft(left)}${when}`;
}

/** Marks that share a day (or the expired column) stack upwards, squeezed to stay inside the plot. */
function renderMarks(stacked: Mark[][], plot: Plot): SafeHtml[] {
  const out: SafeHtml[] = [];
  for (const stack of stacked) {
    const room = plot.baseline - plot.top - 2 * markRadius;
    const step = Math.min(2.4 * markRadius, stack.length > 1 ? room / (stack.length - 1) : room);
    const r = Math.max(2, Math.min(markRadius, step / 1.6));
    stack.forEach((mark, i) => {
      const y = plot.baseline - markRadius - i * step;
      out.push(html`<g><title>${markTitle(mark.credential)}</title>${shape(mark.band, mark.x, y, r)}</g>`);
    });
  }
  return out;
}

function renderAxis(thresholds: readonly number[], plot: Plot): SafeHtml {
  const ticks: SafeHtml[] = [];
  for (let day = 0; day <= timelineDays; day += tickEvery) {
    const x = fixed(xForDays(day));
    ticks.push(
      html`<g class="tick"><line class="${day === 0 ? "axis" : "grid"}" x1="${x}" x2="${x}" y1="${plot.top}" y2="${plot.baseline + 4}"/><text x="${x}" y="${plot.baseline + 20}" text-anchor="middle">${day === 0 ? "today" : `${day} days`}</text></g>`,
    );
  }
  // Threshold labels are skipped where they would overprint the previous (larger) one; the legend lists them all.
  const lines: SafeHtml[] = [];
  let lastLabelX = Number.POSITIVE_INFINITY;
  for (const days of [...thresholds].filter((d) => d <= timelineDays).sort((a, b) => b - a)) {
    const x = fixed(xForDays(days));
    const label = lastLabelX - x >= 34;
    if (label) lastLabelX = x;
    lines.push(
      html`<line class="threshold" x1="${x}" x2="${x}" y1="${plot.top - 6}" y2="${plot.baseline}"/>${label ? html`<text class="threshold-label" x="${x}" y="${plot.top - 12}" text-anchor="middle">≤${days} d</text>` : ""}`,
    );
  }
  const bandTop = plot.top - 6;
  return html`<rect class="band" x="${expiredX - 38}" y="${bandTop}" width="76" height="${plot.baseline + 4 - bandTop}" rx="4"/>
<text class="band-label" x="${expiredX}" y="${plot.top - 12}" text-anchor="middle">Expired</text>
${ticks}${lines}<line class="axis" x1="${plotX.left}" x2="${plotX.right}" y1="${plot.baseline + 4}" y2="${plot.baseline + 4}"/>`;
}

/** The chart's text alternative: what each mark says, grouped by day, in reading order. */
function renderTextAlternative(marks: Mark[]): SafeHtml {
  const groups = new Map<string, string[]>();
  for (const { credential } of [...marks].sort((a, b) => (a.credential.daysLeft ?? 0) - (b.credential.daysLeft ?? 0))) {
    const key = isExpired(credential) ? "Expired" : `${describeDaysLeft(credential.daysLeft ?? 0)}${credential.expiresAt ? ` (${formatDay(credential.expiresAt)})` : ""}`;
    const name = isExpired(credential) ? `${credentialLabel(credential)} (${describeDaysLeft(credential.daysLeft ?? 0)})` : credentialLabel(credential);
    groups.set(key, [...(groups.get(key) ?? []), name]);
  }
  const items = [...groups].map(([when, names]) => html`<li>${when}: ${names.join(", ")}</li>`);
  return html`<ul class="visually-hidden" id="timeline-list">${items.length > 0 ? items : html`<li>Nothing expires in the next ${timelineDays} days.</li>`}</ul>`;
}

const legendIcon = (band: Band) => html`<svg viewBox="0 0 14 14" aria-hidden="true" class="chart">${shape(band, 7, 7, 5)}</svg>`;

/**
 * Expiries over the next 90 days as server-rendered SVG: one mark per credential at its days left, expired
 * ones in a labelled column left of "today". Shape and words carry the meaning, colour only repeats it.
 */
export function renderTimeline(credentials: readonly WatchedCredential[], thresholds: readonly number[]): SafeHtml {
  const soonDays = thresholds.length > 0 ? Math.max(...thresholds) : 30;
  const dated = credentials.filter(countsTowardExpiry);
  const marks: Mark[] = dated
    .filter((c) => isExpired(c) || (c.daysLeft ?? Number.POSITIVE_INFINITY) <= timelineDays)
    .map((credential) => {
      const band = bandOf(credential, soonDays);
      return { credential, band, x: band === "expired" ? expiredX : fixed(xForDays(credential.daysLeft ?? 0)) };
    });
  const stacked = stacks(marks);
  const plot = plotFor(stacked);
  const expired = marks.filter((m) => m.band === "expired").length;
  const upcoming = marks.length - expired;
  const later = dated.length - marks.length;
  const undated = credentials.filter((c) => c.daysLeft === undefined).length;
  const summary = `${upcoming} ${upcoming === 1 ? "credential expires" : "credentials expire"} within ${timelineDays} days; ${expired} ${expired === 1 ? "has" : "have"} expired.`;
  const thresholdText = thresholds.length > 0 ? `Dashed lines: alert thresholds at ${[...thresholds].sort((a, b) => a - b).join(", ")} days.` : "";

  return html`<section aria-labelledby="timeline-heading">
<h2 id="timeline-heading">Expiry timeline: the next ${timelineDays} days</h2>
<figure>
<svg class="chart" viewBox="0 0 ${viewWidth} ${plot.baseline + 36}" role="img" aria-labelledby="timeline-title timeline-desc">
<title id="timeline-title">Expiry timeline of the next ${timelineDays} days</title>
<desc id="timeline-desc">${summary} Each mark is one credential, placed at its days left; the list after the chart names them.</desc>
${renderAxis(thresholds, plot)}
${renderMarks(stacked, plot)}
</svg>
${renderTextAlternative(marks)}
<figcaption>${summary} ${later > 0 ? `${later} more expire after ${timelineDays} days. ` : ""}${undated > 0 ? `${undated} have no expiry date (CircleCI variables are dated by age instead). ` : ""}${thresholdText}
<ul class="legend" aria-hidden="true"><li>${legendIcon("expired")}Expired</li><li>${legendIcon("urgent")}${urgentDays} days or less</li><li>${legendIcon("soon")}Within ${soonDays} days</li><li>${legendIcon("later")}Later</li></ul>
</figcaption>
</figure>
</section>`;
}
