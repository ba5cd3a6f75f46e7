import type { LedgerEntry } from "../../domain/alerts/ledger.js";
import type { StateStore } from "../../ports/state-store.js";
import { parseStored, ledgerEntrySchema } from "./stored-schemas.js";

/**
 * Written once the watchdog has announced itself to an organization (its first cycle's baseline). No
 * credential key can collide: policy names are [a-z0-9-], derived keys start with "entra:" or "circleci:".
 */
const announcedKey = "~announced";

/** The alert ledger as `decideAlerts` takes it. */
export async function loadLedger(store: StateStore): Promise<LedgerEntry[]> {
  const records = await store.list<unknown>("ledger");
  return records.filter((record) => record.key !== announcedKey).map((record) => parseStored(ledgerEntrySchema, "ledger", record.key, record.value));
}

/**
 * Whether this is the first cycle against the organization: nothing was ever alerted (an empty ledger) and
 * no earlier cycle announced itself. A ledger emptied later by `resolved` notices is not a first cycle.
 */
export async function isFirstCycle(store: StateStore, ledger: readonly LedgerEntry[]): Promise<boolean> {
  if (ledger.length > 0) return false;
  return (await store.get("ledger", announcedKey)) === null;
}

/** Remembers that the organization has had its first cycle (after its alerts were recorded). */
export async function markAnnounced(store: StateStore, now: Date): Promise<void> {
  if ((await store.get("ledger", announcedKey)) !== null) return;
  await store.put("ledger", announcedKey, { announcedAt: now.toISOString() });
}
