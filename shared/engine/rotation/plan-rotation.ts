import { z } from "zod";
import { previewRotation, type RotationPreview } from "../../domain/rotation/index.js";
import type { PolicyCredential } from "../../domain/policy/index.js";
import type { StateStore } from "../../ports/state-store.js";
import { loadJournal } from "./journal-store.js";

export interface RotationPlan extends RotationPreview {
  credential: string;
  /** Another run holds the lease now: a real run would answer "already rotating". */
  busy?: { heldBy: string; until: string };
  /** Why this credential cannot be rotated (not action: rotate, unreadable journal). */
  problem?: string;
}

const leaseView = z.object({ actor: z.string(), expiresAt: z.string() });

/** The dry run of `rotateCredential`: reads the journal and the lease only, changes nothing anywhere. */
export async function planRotation(
  store: StateStore,
  credential: PolicyCredential,
  options: { now: Date; manual: boolean; snapshotComplete: boolean },
): Promise<RotationPlan> {
  if (credential.action !== "rotate") {
    return { credential: credential.name, state: "none", wouldDo: [], note: "not rotated", problem: `credential ${credential.name} has action: ${credential.action}` };
  }
  let journal;
  try {
    journal = (await loadJournal(store, credential.name)).journal;
  } catch (error) {
    return { credential: credential.name, state: "none", wouldDo: [], note: "cannot plan", problem: error instanceof Error ? error.message : String(error) };
  }
  const preview = previewRotation(journal, { now: options.now, manual: options.manual, snapshotComplete: options.snapshotComplete, policy: credential.rotation });
  const lease = await store.get<unknown>("leases", credential.name);
  const held = lease ? leaseView.safeParse(lease.value) : null;
  const busy = held?.success && Date.parse(held.data.expiresAt) > options.now.getTime() ? { heldBy: held.data.actor, until: held.data.expiresAt } : undefined;
  return { credential: credential.name, ...preview, ...(busy ? { busy } : {}) };
}
