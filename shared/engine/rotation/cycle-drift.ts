import type { DriftFact } from "../../domain/plan/drift-findings.js";
import type { Policy } from "../../domain/policy/index.js";
import type { Snapshot } from "../../domain/snapshot.js";
import type { WatchdogPorts } from "../../ports/index.js";
import { observeDrift } from "./drift.js";
import { loadJournal } from "./journal-store.js";

/**
 * Drift of every `action: rotate` credential the watchdog has pushed: context variables from the snapshot's
 * `updated_at` (no extra request), project variables by their masked tail against Key Vault (two reads each).
 * Nothing is checked without a vault (nothing was pushed through one).
 */
export async function observeCycleDrift(ports: WatchdogPorts, policy: Policy, snapshot: Snapshot): Promise<DriftFact[]> {
  const vault = ports.vault;
  if (!vault) return [];
  const rotated = policy.credentials.filter((c) => c.action === "rotate");
  return Promise.all(
    rotated.map(async (credential): Promise<DriftFact> => {
      try {
        const { journal } = await loadJournal(ports.state, credential.name);
        const verdict = await observeDrift({ ci: ports.ci, vault }, journal, snapshot.circleci.variables);
        return { credential: credential.name, verdict, ...(journal?.pushedMark ? { version: journal.pushedMark.version } : {}) };
      } catch (error) {
        return { credential: credential.name, verdict: { state: "unknown", reason: `the rotation journal could not be read: ${error instanceof Error ? error.message : String(error)}` } };
      }
    }),
  );
}
