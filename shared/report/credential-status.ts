import type { WatchedCredential } from "../domain/finding.js";
import { html, type SafeHtml } from "./html.js";
import type { CredentialProgress } from "./report-input.js";
import { isExpired, isMigrating, isRotating } from "./totals.js";

interface StatusLook {
  word: string;
  /** Its icon comes from the stylesheet (::before, with empty alt text), so screen readers hear only the word. */
  className: string;
}

/** Word and icon first, colour second: each status reads the same in greyscale. */
export function statusLook(credential: WatchedCredential): StatusLook {
  if (credential.retiring) return { word: "Retiring", className: "s-retiring" };
  if (isExpired(credential)) return { word: "Expired", className: "s-expired" };
  switch (credential.status) {
    case "expiring":
      return { word: "Expiring", className: "s-expiring" };
    case "long-lived":
      return { word: "Long-lived", className: "s-long-lived" };
    case "not-found":
      return { word: "Not found", className: "s-not-found" };
    default:
      return { word: "OK", className: "s-ok" };
  }
}

export function renderStatus(credential: WatchedCredential, progress: CredentialProgress | undefined): SafeHtml {
  const look = statusLook(credential);
  const work = [
    isRotating(progress) ? `rotating (${progress?.rotation ?? ""})` : "",
    isMigrating(progress) || progress?.migration === "retired" ? `OIDC ${progress?.migration ?? ""}` : "",
  ].filter((w) => w !== "");
  const waiver = credential.waiver?.state === "active" ? credential.waiver : undefined;
  // Accepted, not fixed: the badge says so, with why, who and until when (names only, escaped like every cell).
  const waived = waiver ? html` <span class="badge s-work">Waived until ${waiver.until}</span> <small>${waiver.reason} (${waiver.by})</small>` : html``;
  return html`<span class="badge ${look.className}">${look.word}</span>${work.map((w) => html` <span class="badge s-work">${w}</span>`)}${waived}`;
}
