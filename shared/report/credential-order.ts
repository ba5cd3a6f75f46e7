import type { WatchedCredential } from "../domain/finding.js";
import { credentialLabel } from "./credential-label.js";

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
