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
