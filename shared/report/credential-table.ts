import type { Finding, Plan, PlanStep, WatchedCredential } from "../domain/finding.js";
import { credentialLabel } from "./credential-label.js";
import { renderStatus } from "./credential-status.js";
import { html, type SafeHtml } from "./html.js";
import { renderNextAction } from "./next-action.js";
import type { CredentialProgress } from "./report-input.js";
import { renderSource } from "./source-cell.js";
import { describeDaysLeft, formatDay } from "./wording.js";

const undatedRank: Record<WatchedCredential["status"], number> = { "not-found": 0, expired: 1, expiring: 2, "long-lived": 3, ok: 4 };

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Fewest days left first (expired ones, longest expired first); then what has no expiry date: missing
 * bindings, then the oldest variables. Ties go by name so the order is stable from one page to the next.
 */
export function compareByDaysLeft(a: WatchedCredential, b: WatchedCredential): number {
  const da = a.daysLeft ?? Number.POSITIVE_INFINITY;
  const db = b.daysLeft ?? Number.POSITIVE_INFINITY;
  if (da !== db) return da < db ? -1 : 1;
  return (
    undatedRank[a.status] - undatedRank[b.status] ||
    (b.ageDays ?? -1) - (a.ageDays ?? -1) ||
    compareText(credentialLabel(a), credentialLabel(b)) ||
    compareText(a.credential, b.credential)
  );
}

function daysCell(credential: WatchedCredential): SafeHtml {
  if (credential.daysLeft !== undefined) {
    return html`<data value="${credential.daysLeft}">${describeDaysLeft(credential.daysLeft)}</data>`;
  }
  return credential.ageDays !== undefined ? html`<span class="muted">no expiry · ${credential.ageDays} days old</span>` : html`<span class="muted">no expiry</span>`;
}

function row(credential: WatchedCredential, finding: Finding | undefined, step: PlanStep | undefined, progress: CredentialProgress | undefined): SafeHtml {
  const policyTag = credential.bound ? html`<span class="tag">policy: ${credential.action ?? "watch"}</span>` : html`<span class="tag">not in policy</span>`;
  return html`<tr><th scope="row">${credentialLabel(credential)}${policyTag}</th><td>${renderSource(credential.source)}</td><td>${renderStatus(credential, progress)}</td><td>${daysCell(credential)}</td><td class="num">${credential.expiresAt ? formatDay(credential.expiresAt) : "—"}</td><td class="action">${renderNextAction(credential, finding, step)}</td></tr>`;
}

/** Every credential the plan holds, one row each, sorted by days left. */
export function renderCredentialTable(plan: Plan, states: Readonly<Record<string, CredentialProgress>>): SafeHtml {
  // plan.findings is most-urgent-first, so the first finding seen for a credential is the one to act on.
  const findings = new Map<string, Finding>();
  for (const finding of plan.findings) if (!findings.has(finding.credential)) findings.set(finding.credential, finding);
  const steps = new Map<string, PlanStep>();
  for (const step of plan.steps) if (!steps.has(step.credential)) steps.set(step.credential, step);

  const rows = [...plan.credentials]
    .sort(compareByDaysLeft)
    .map((c) => row(c, findings.get(c.credential), steps.get(c.credential), states[c.credential]));
  const count = plan.credentials.length;
  return html`<section aria-labelledby="credentials-heading">
<h2 id="credentials-heading">Credentials</h2>
<div class="table-wrap">
<table class="credentials">
<caption>${count} ${count === 1 ? "credential" : "credentials"}, fewest days left first; those without an expiry date follow. For each one marked “not in policy”, <code>watchdog plan --json</code> prints the policy snippet that watches it.</caption>
<thead><tr><th scope="col" class="w-name">Credential</th><th scope="col" class="w-source">Source</th><th scope="col" class="w-status">Status</th><th scope="col" class="w-days">Days left</th><th scope="col" class="w-date">Expires</th><th scope="col" class="w-action">Next action</th></tr></thead>
<tbody>
${count > 0 ? rows.map((r) => html`${r}\n`) : html`<tr><td colspan="6">No credentials were found.</td></tr>`}
</tbody>
</table>
</div>
</section>`;
}
