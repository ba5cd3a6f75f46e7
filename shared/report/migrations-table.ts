import type { MigrationStatus } from "../domain/migration/describe.js";
import type { Plan } from "../domain/finding.js";
import { html, type SafeHtml } from "./html.js";
import { formatMinute } from "./wording.js";

/** The first OIDC sign-ins of a migration's app: one line per federated credential, "none yet", or unknown and why. */
function firstSignInsCell(status: MigrationStatus): SafeHtml {
  const first = status.firstOidcSignIns;
  if (!first) return html`<span class="muted">—</span>`;
  if (!first.available) return html`unknown <span class="muted">(${first.reason ?? "the sign-in log could not be read"})</span>`;
  if (first.signIns.length === 0) return html`none yet <span class="muted">(no pipeline has signed in with OIDC)</span>`;
  return html`${first.signIns.map(
    (s, i) =>
      html`${i > 0 ? html`<br>` : ""}<time datetime="${s.at}">${formatMinute(s.at)}</time> · ${s.name ?? html`<span class="id">${s.federatedCredentialId}</span>`}${s.subject ? html` <span class="id">${s.subject}</span>` : ""}`,
  )}`;
}

/** Each `action: oidc` credential's migration, with the first OIDC sign-ins as the sign that pipelines switched. */
export function renderMigrationsTable(plan: Plan): SafeHtml {
  const migrations = plan.migrations ?? [];
  if (migrations.length === 0) return html``;
  const rows = migrations.map((m) => html`<tr><th scope="row">${m.credential}</th><td>${m.status}</td><td>${m.headline}</td><td>${firstSignInsCell(m)}</td></tr>\n`);
  return html`<section aria-labelledby="migrations-heading">
<h2 id="migrations-heading">OIDC migrations</h2>
<div class="table-wrap"><table>
<caption>First OIDC sign-ins come from the sign-in log (Microsoft Graph AuditLog.Read.All, Entra ID P1/P2); retirement does not depend on them.</caption>
<thead><tr><th scope="col">Credential</th><th scope="col">Status</th><th scope="col">Progress</th><th scope="col">First OIDC sign-ins</th></tr></thead>
<tbody>
${rows}</tbody>
</table></div>
</section>`;
}
