import type { AppOwnership, Plan } from "../domain/finding.js";
import { html, type SafeHtml } from "./html.js";

const ownerWording: Record<AppOwnership["owner"], string> = {
  yes: "owner: rotated and federated",
  no: "NOT an owner: watched only, never rotated or federated",
  unknown: "unknown: the owners could not be read (not taken as owned)",
  "not-needed": "not needed (Application.ReadWrite.All)",
};

/** Each app a rotate or oidc credential binds: whether the watchdog owns it, and the grant when it does not. */
export function renderOwnershipTable(plan: Plan): SafeHtml {
  const apps = plan.ownership ?? [];
  if (apps.length === 0) return html``;
  const rows = apps.map(
    (a) =>
      html`<tr><th scope="row">${a.appName ?? a.appId}<br><span class="id">${a.appId}</span></th><td>${a.credentials.join(", ")}</td><td>${ownerWording[a.owner]}${a.detail ? html` <span class="muted">(${a.detail})</span>` : ""}</td><td class="action">${a.fix && a.owner !== "yes" ? html`<code>${a.fix}</code>` : html`<span class="muted">Nothing to do.</span>`}</td></tr>\n`,
  );
  const lacking = apps.filter((a) => a.owner === "no" || a.owner === "unknown").length;
  return html`<section aria-labelledby="ownership-heading">
<h2 id="ownership-heading">App ownership</h2>
<div class="table-wrap"><table>
<caption>${lacking === 0 ? "The watchdog owns every app it rotates or federates." : `${lacking} of ${apps.length} ${apps.length === 1 ? "app" : "apps"} cannot be changed by the watchdog (Application.ReadWrite.OwnedBy changes only apps it owns).`}</caption>
<thead><tr><th scope="col">App</th><th scope="col">Credentials</th><th scope="col">Ownership</th><th scope="col">Grant</th></tr></thead>
<tbody>
${rows}</tbody>
</table></div>
</section>`;
}
