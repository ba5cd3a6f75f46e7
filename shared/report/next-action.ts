import type { Finding, PlanStep, WatchedCredential } from "../domain/finding.js";
import { html, type SafeHtml } from "./html.js";

/** A bare command, and `backquoted` parts of a sentence, are shown as code so they can be copied. */
function commandOrText(text: string): SafeHtml {
  if (text.startsWith("watchdog ")) return html`<code>${text}</code>`;
  return html`${text.split("`").map((part, i) => (i % 2 === 1 ? html`<code>${part}</code>` : part))}`;
}

/**
 * What to do about one credential: the plan's step if it has one, else its most urgent finding's next step.
 * For credentials no policy binds, the plan's next step is a multi-line policy snippet; the table's caption
 * says where to get it instead of repeating it on every row (thousands of rows in a large estate).
 */
export function renderNextAction(credential: WatchedCredential, finding: Finding | undefined, step: PlanStep | undefined): SafeHtml {
  const parts: SafeHtml[] = [];
  if (step) {
    const verb = step.kind === "rotate" ? "Rotation" : "OIDC migration";
    parts.push(step.blocked ? html`<span>${verb} blocked: ${step.blocked}.</span>` : html`<span>${verb} due this cycle: ${step.reason}.</span>`);
    if (step.kind === "rotate" && step.note) parts.push(html` <span>Note: ${step.note}.</span>`);
  }
  if (finding?.bound) {
    parts.push(html`${parts.length > 0 ? " " : ""}${commandOrText(finding.nextStep)}`);
  } else if (finding) {
    parts.push(html`Add it to the policy, or delete it if nothing uses it.`);
  }
  if (parts.length === 0) {
    parts.push(credential.retiring ? html`<span class="muted">The rotation removes it after the overlap.</span>` : html`<span class="muted">Nothing to do.</span>`);
  }
  if (credential.unchecked && credential.unchecked.length > 0) {
    parts.push(html` <span class="muted">Not checked: ${credential.unchecked.join("; ")}.</span>`);
  }
  return html`${parts}`;
}
