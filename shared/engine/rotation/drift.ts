import { contextDrift, projectDrift, type DriftVerdict, type RotationJournal } from "../../domain/rotation/index.js";
import type { CiVariable } from "../../domain/snapshot.js";
import type { CiSecretStore } from "../../ports/ci-secret-store.js";
import type { Vault } from "../../ports/vault.js";

export interface DriftPorts {
  ci: Pick<CiSecretStore, "listContextVariables" | "readProjectVariableMask">;
  vault: Pick<Vault, "getSecret">;
}

/**
 * Whether CircleCI still holds what the watchdog pushed for this journal. A context variable is compared by
 * `updated_at` (from the cycle's snapshot when it read the context, else read now); a project variable by the
 * last four characters CircleCI shows against Key Vault's current version (both read now, compared in memory).
 * A read that fails makes the verdict "unknown", never "in-sync".
 */
export async function observeDrift(ports: DriftPorts, journal: RotationJournal | null, snapshotVariables?: readonly CiVariable[]): Promise<DriftVerdict> {
  if (!journal?.pushedMark) return { state: "untracked", reason: journal ? "no push of the watchdog is recorded" : "never rotated" };
  const ci = journal.ci;
  try {
    if (ci.kind === "context") {
      let variables = snapshotVariables?.filter((v) => v.scope.kind === "context" && v.scope.contextId === ci.contextId);
      if (!variables || variables.length === 0) variables = await ports.ci.listContextVariables({ id: ci.contextId, name: ci.context, createdAt: "" });
      return contextDrift(journal, variables.find((v) => v.name === ci.variable) ?? null);
    }
    const [masked, current] = await Promise.all([ports.ci.readProjectVariableMask(ci.project, ci.variable), ports.vault.getSecret(journal.vault.secretName)]);
    return projectDrift(journal, masked, current ? { value: current.value, version: current.properties.version } : null);
  } catch (error) {
    return { state: "unknown", reason: `could not be checked: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** The drift reads of a rotation run, counted like every call it makes. */
export function countedDriftPorts(run: { ports: DriftPorts; call: <T>(system: "circleci" | "keyvault", body: () => Promise<T>) => Promise<T> }): DriftPorts {
  const { ci, vault } = run.ports;
  return {
    ci: {
      listContextVariables: (context) => run.call("circleci", () => ci.listContextVariables(context)),
      readProjectVariableMask: (slug, name) => run.call("circleci", () => ci.readProjectVariableMask(slug, name)),
    },
    vault: { getSecret: (name) => run.call("keyvault", () => vault.getSecret(name)) },
  };
}
