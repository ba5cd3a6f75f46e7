import { setTimeout as sleep } from "node:timers/promises";
import type { EntraApp } from "../../domain/snapshot.js";

export interface ConfirmedRemoval {
  keyId: string;
  remove: () => Promise<void>;
  /** Reads the app as the run does (counted, and failing when the app is gone). */
  readApp: () => Promise<EntraApp>;
  /** How long Graph may show an app as it was before a write (WATCHDOG_PROPAGATION_READ_LAG_SECONDS). */
  readLagMs: number;
}

/**
 * Removes an app password. A removal whose answer was lost, or refused because the key was already gone, may have
 * happened: only the app can say, and a read just after our own write may still show it as before (the adapter's
 * own check reads at once). So on any failure the app is read again after the read lag: the key's absence there
 * completes the removal; the key still there, or a read that fails, rethrows the removal's own error.
 */
export async function removePasswordConfirmed(removal: ConfirmedRemoval): Promise<void> {
  try {
    await removal.remove();
  } catch (error) {
    await sleep(removal.readLagMs);
    const app = await removal.readApp().catch(() => undefined);
    if (app && !app.passwords.some((password) => password.keyId === removal.keyId)) return;
    throw error;
  }
}
