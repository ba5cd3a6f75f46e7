import type { AlertSource } from "../domain/alert.js";
import { html, type SafeHtml } from "./html.js";

/** Where a credential lives, one line per system: CircleCI scope + variable, Entra app + key id, Key Vault secret. */
export function renderSource(source: AlertSource): SafeHtml {
  const lines: SafeHtml[] = [];
  const { circleci, entra, keyVault } = source;
  if (circleci) {
    const scope = circleci.context !== undefined ? `context ${circleci.context}` : `project ${circleci.project ?? "?"}`;
    lines.push(html`<span class="src"><b>CircleCI</b><span>${scope} · <span class="id">${circleci.variable}</span></span></span>`);
  }
  if (entra) {
    const kind = entra.credentialType === "certificate" ? "certificate" : "secret";
    const app = entra.appName ? html`app ${entra.appName} <span class="id muted">${entra.appId}</span>` : html`app <span class="id">${entra.appId}</span>`;
    const key = entra.keyId ? html` · ${kind} <span class="id">${entra.keyId}</span>` : "";
    lines.push(html`<span class="src"><b>Entra</b><span>${app}${key}</span></span>`);
  }
  if (keyVault) lines.push(html`<span class="src"><b>Key Vault</b><span>secret <span class="id">${keyVault.secretName}</span></span></span>`);
  return html`${lines}`;
}
