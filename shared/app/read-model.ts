import { createHash } from "node:crypto";
import { hostname } from "node:os";
import type { Plan, ReadSource } from "../domain/finding.js";
import type { Snapshot } from "../domain/snapshot.js";
import { InstanceReads, type ServedRead } from "../engine/read-model/index.js";
import type { Settings } from "./settings.js";

// By store: every request opens its own watchdog, but the memo and the running refresh belong to the instance.
const instances = new Map<string, InstanceReads>();

/**
 * This process's side of the read model for the store the settings name (keyed by a digest, so that no
 * connection string is kept as a key).
 */
export function instanceReads(settings: Settings): InstanceReads {
  const where = settings.storageConnection ?? settings.storageIdentity?.tableServiceUri ?? `dir:${settings.stateDir}`;
  const scope = createHash("sha256").update(where).digest("hex");
  let instance = instances.get(scope);
  if (!instance) {
    instance = new InstanceReads();
    instances.set(scope, instance);
  }
  return instance;
}

/** This instance, as the refresh lease names it. */
export function readModelHolder(): string {
  return `${process.env.WEBSITE_INSTANCE_ID?.slice(0, 16) ?? hostname()}#${process.pid}`;
}

function sourceOf(read: ServedRead<"plan"> | ServedRead<"snapshot">): ReadSource {
  return { origin: read.info.origin, storedAt: read.info.storedAt, ...(read.refresh ? { refresh: read.refresh } : {}) };
}

/** GET /api/plan, `watchdog plan --cached --json`: the stored plan, when its sources were read and by whom. */
export function storedPlanAnswer(read: ServedRead<"plan">): Plan {
  return { ...read.parts.plan, takenAt: read.info.takenAt, read: sourceOf(read) };
}

export type StoredInventory = Snapshot & { complete: boolean; read: ReadSource };

/** GET /api/inventory, `watchdog inventory --cached --json`: the stored snapshot (it carries its takenAt). */
export function storedInventoryAnswer(read: ServedRead<"snapshot">): StoredInventory {
  return { ...read.parts.snapshot, complete: read.info.complete, read: sourceOf(read) };
}
