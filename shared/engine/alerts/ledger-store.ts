import type { LedgerEntry } from "../../domain/alerts/ledger.js";
import type { StateStore } from "../../ports/state-store.js";
import { parseStored, ledgerEntrySchema } from "./stored-schemas.js";

/** The alert ledger as `decideAlerts` takes it. */
export async function loadLedger(store: StateStore): Promise<LedgerEntry[]> {
  const records = await store.list<unknown>("ledger");
  return records.map((record) => parseStored(ledgerEntrySchema, "ledger", record.key, record.value));
}
