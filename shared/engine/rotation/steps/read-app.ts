import { setTimeout as sleep } from "node:timers/promises";
import type { EntraApp } from "../../../domain/snapshot.js";
import { defaultPropagation } from "../options.js";
import type { RotationRun } from "../run.js";
import { requireApp } from "./start.js";

/**
 * Reads the app; when `missing` says a password that should be there is not, reads it again after the read
 * lag (Graph may not show a recent write yet). Returns the later read, which alone may prove an absence.
 */
export async function readAppConfirmingAbsence(run: RotationRun, step: "reconcile" | "retire", missing: (app: EntraApp) => string[]): Promise<{ app: EntraApp; reread: boolean }> {
  const first = await requireApp(run, step);
  if (missing(first).length === 0) return { app: first, reread: false };
  await sleep({ ...defaultPropagation, ...run.options.propagation }.readLagMs);
  return { app: await requireApp(run, step), reread: true };
}

/**
 * Whether the app, read after the read lag, no longer holds `keyId`. A removal whose answer was lost, or refused
 * because the key was already gone, may have happened: only the app can say, and a read just after our own write
 * may still show it as before. A read that fails proves nothing (false).
 */
export async function goneAfterReadLag(run: RotationRun, step: "reconcile" | "retire", keyId: string): Promise<boolean> {
  await sleep({ ...defaultPropagation, ...run.options.propagation }.readLagMs);
  try {
    const app = await requireApp(run, step);
    return !app.passwords.some((password) => password.keyId === keyId);
  } catch {
    return false;
  }
}
