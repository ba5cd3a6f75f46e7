import type { ContextExposure, Finding, Plan, PlanStep, WatchedCredential } from "../domain/finding.js";
import { credentialLabel } from "./credential-label.js";
import { renderStatus } from "./credential-status.js";
import { html, type SafeHtml } from "./html.js";
import { renderNextAction } from "./next-action.js";
import type { CredentialProgress } from "./report-input.js";
import { renderSource } from "./source-cell.js";
import { credentialRowLimit, selectTableRows, type LeftOutGroup, type SourceKind, type TableRows } from "./table-rows.js";
import { describeDaysLeft, formatCount, formatDay, joinWords } from "./wording.js";

function daysCell(credential: WatchedCredential): SafeHtml {
  if (credential.daysLeft !== undefined) {
    return html`<data value="${credential.daysLeft}">${describeDaysLeft(credential.daysLeft)}</data>`;
  }
  return credential.ageDays !== undefined ? html`<span class="muted">no expiry · ${credential.ageDays} days old</span>` : html`<span class="muted">no expiry</span>`;
}

const exposureWords: Record<ContextExposure["level"], [cls: string, words: string]> = {
  unrestricted: ["e-open", "every project (no restriction)"],
  "ssh-rerun": ["e-weak", "restricted; SSH reruns can read"],
  restricted: ["muted", "restricted"],
  unknown: ["e-unknown", "unknown (restrictions unreadable)"],
};

const driftWords: Record<NonNullable<WatchedCredential["drift"]>, [cls: string, words: string]> = {
  "in-sync": ["muted", "in sync"],
  drifted: ["e-open", "drifted (changed outside the watchdog)"],
  unknown: ["e-unknown", "unknown (unreadable)"],
};

/** Whether CircleCI still holds what the watchdog pushed; only rotated credentials have a push to compare with. */
function driftCell(credential: WatchedCredential): SafeHtml {
  if (!credential.drift) return html`<span class="muted">—</span>`;
  const [cls, words] = driftWords[credential.drift];
  return html`<span class="${cls}">${words}</span>`;
}

/** Who can use the context the credential sits in; project variables and Entra keys have no context. */
function exposureCell(credential: WatchedCredential, exposure: ReadonlyMap<string, ContextExposure>): SafeHtml {
  const context = credential.source.circleci?.context;
  const entry = context !== undefined ? exposure.get(context) : undefined;
  if (!entry) return html`<span class="muted">—</span>`;
  const [cls, words] = exposureWords[entry.level];
  return html`<span class="${cls}">${words}</span>`;
}

function row(
  credential: WatchedCredential,
  finding: Finding | undefined,
  step: PlanStep | undefined,
  progress: CredentialProgress | undefined,
  exposure: ReadonlyMap<string, ContextExposure>,
): SafeHtml {
  const policyTag = credential.bound ? html`<span class="tag">policy: ${credential.action ?? "watch"}</span>` : html`<span class="tag">not in policy</span>`;
  return html`<tr><th scope="row">${credentialLabel(credential)}${policyTag}</th><td>${renderSource(credential.source)}</td><td>${exposureCell(credential, exposure)}</td><td>${driftCell(credential)}</td><td>${renderStatus(credential, progress)}</td><td>${daysCell(credential)}</td><td class="num">${credential.expiresAt ? formatDay(credential.expiresAt) : "—"}</td><td class="action">${renderNextAction(credential, finding, step)}</td></tr>`;
}

const sourceNames: Record<SourceKind, [one: string, many: string]> = {
  circleci: ["CircleCI variable", "CircleCI variables"],
  "entra-secret": ["Entra secret", "Entra secrets"],
  "entra-certificate": ["Entra certificate", "Entra certificates"],
  other: ["other credential", "other credentials"],
};

function countOf(group: LeftOutGroup, adjective = ""): string {
  const [one, many] = sourceNames[group.source];
  return `${formatCount(group.count)} ${adjective}${group.count === 1 ? one : many}`;
}

function ageRange(group: LeftOutGroup): string {
  const ages = group.ageDays;
  if (!ages) return "";
  return ages.min === ages.max ? ` (unchanged for ${ages.min} days)` : ` (unchanged for ${ages.min} to ${ages.max} days)`;
}

const total = (groups: readonly LeftOutGroup[]) => groups.reduce((sum, g) => sum + g.count, 0);

/** One sentence per status of what the table leaves out, counted exactly per source, and where to find them all. */
function renderLeftOut(rows: TableRows): SafeHtml {
  const longLived = rows.leftOut.filter((g) => g.status === "long-lived");
  const fine = rows.leftOut.filter((g) => g.status === "ok");
  const sentences: SafeHtml[] = [];
  if (longLived.length > 0) {
    const verb = total(longLived) === 1 ? "is" : "are";
    sentences.push(html`${joinWords(longLived.map((g) => `${countOf(g, "long-lived ")}${ageRange(g)}`))} ${verb} not in the policy and not listed: add them to it, or delete the ones nothing uses. `);
  }
  if (fine.length > 0) {
    sentences.push(html`${joinWords(fine.map((g) => countOf(g)))} ${total(fine) === 1 ? "is" : "are"} fine, not in the policy and not listed. `);
  }
  return html`<tfoot><tr><td colspan="8">${sentences}<code>watchdog plan --json</code> lists every credential with its status.</td></tr></tfoot>`;
}

function caption(rows: TableRows, count: number): SafeHtml {
  const snippet = html`For each one marked “not in policy”, <code>watchdog plan --json</code> prints the policy snippet that watches it.`;
  if (rows.leftOutCount === 0) {
    return html`${formatCount(count)} ${count === 1 ? "credential" : "credentials"}, fewest days left first; those without an expiry date follow. ${snippet}`;
  }
  // The caption says what is left out and why, so a screen reader user knows it before reading any row.
  const which =
    rows.filled > 0
      ? `every one in the policy or needing attention now, then the oldest long-lived and the soonest-expiring fine ones up to ${formatCount(credentialRowLimit)} rows`
      : "every one in the policy or needing attention now";
  return html`${formatCount(rows.listed.length)} of ${formatCount(count)} credentials: ${which}. The other ${formatCount(rows.leftOutCount)}, long-lived or fine and not in the policy, are counted after the table. Fewest days left first; those without an expiry date follow. ${snippet}`;
}

/**
 * The credentials table, sorted by days left: every credential that needs attention or is in the policy, and
 * the rest up to a row limit; what is left out is counted, by source, in its footer (see table-rows.ts).
 */
export function renderCredentialTable(plan: Plan, states: Readonly<Record<string, CredentialProgress>>): SafeHtml {
  // plan.findings is most-urgent-first, so the first finding seen for a credential is the one to act on.
  const findings = new Map<string, Finding>();
  for (const finding of plan.findings) if (!findings.has(finding.credential)) findings.set(finding.credential, finding);
  // A step blocked for a missing permission: the grant is what to do first, whatever else is urgent.
  for (const finding of plan.findings) if (finding.kind === "permission-missing") findings.set(finding.credential, finding);
  const steps = new Map<string, PlanStep>();
  for (const step of plan.steps) if (!steps.has(step.credential)) steps.set(step.credential, step);

  const selected = selectTableRows(plan.credentials, plan.steps, states);
  const exposure = new Map((plan.exposure ?? []).map((e) => [e.context, e]));
  const rows = selected.listed.map((c) => row(c, findings.get(c.credential), steps.get(c.credential), states[c.credential], exposure));
  const count = plan.credentials.length;
  return html`<section aria-labelledby="credentials-heading">
<h2 id="credentials-heading">Credentials</h2>
<div class="table-wrap">
<table class="credentials">
<caption>${caption(selected, count)}</caption>
<thead><tr><th scope="col" class="w-name">Credential</th><th scope="col" class="w-source">Source</th><th scope="col" class="w-exposure">Exposure</th><th scope="col" class="w-drift">CircleCI value</th><th scope="col" class="w-status">Status</th><th scope="col" class="w-days">Days left</th><th scope="col" class="w-date">Expires</th><th scope="col" class="w-action">Next action</th></tr></thead>
<tbody>
${count > 0 ? rows.map((r) => html`${r}\n`) : html`<tr><td colspan="8">No credentials were found.</td></tr>`}
</tbody>
${selected.leftOutCount > 0 ? renderLeftOut(selected) : ""}
</table>
</div>
</section>`;
}
