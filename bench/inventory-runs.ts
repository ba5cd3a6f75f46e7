import { DefaultAzureCredential } from "@azure/identity";
import { createCircleCiStore } from "#shared/adapters/circleci/index.js";
import { createGraphDirectory } from "#shared/adapters/graph/index.js";
import { createKeyVault } from "#shared/adapters/keyvault/index.js";
import { buildAdapters } from "#shared/app/compose.js";
import { readSettings } from "#shared/app/settings.js";
import { parsePolicy, type Policy } from "#shared/domain/policy/index.js";
import type { CiVariable, EntraApp, VaultSecretInfo } from "#shared/domain/snapshot.js";
import { takeInventory } from "#shared/engine/inventory.js";
import type { WorldShape } from "../sandbox/world/generate.js";

/** What an inventory found, counted. */
export interface Found {
  contextVariables: number;
  projectVariables: number;
  apps: number;
  passwords: number;
  vaultSecrets: number;
}

export interface InventoryOutcome {
  found: Found;
  /** Sources that could not be read; empty when the inventory is complete. */
  errors: string[];
  /** From the start until the last CircleCI read was answered: the CircleCI part alone (Graph and Key Vault run beside it). */
  circleciMs: number;
}

export function expectedFound(shape: WorldShape): Found {
  return {
    contextVariables: shape.contexts * shape.variablesPerContext,
    projectVariables: shape.projects * shape.variablesPerProject,
    apps: shape.apps,
    passwords: shape.apps * shape.passwordsPerApp,
    vaultSecrets: shape.vaultSecrets,
  };
}

function count(variables: CiVariable[], apps: EntraApp[], secrets: VaultSecretInfo[]): Found {
  return {
    contextVariables: variables.filter((v) => v.scope.kind === "context").length,
    projectVariables: variables.filter((v) => v.scope.kind === "project").length,
    apps: apps.length,
    passwords: apps.reduce((n, app) => n + app.passwords.length, 0),
    vaultSecrets: secrets.length,
  };
}

export function benchPolicy(yaml: string): Policy {
  const parsed = parsePolicy(yaml, { filename: "bench.policy.yaml", env: {} });
  if (!parsed.ok) throw new Error(`the generated policy is invalid: ${parsed.errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`);
  return parsed.policy;
}

/**
 * The project's inventory as a timer cycle runs it: settings from the environment, adapters from the
 * composition root (DefaultAzureCredential on the managed identity endpoint), then takeInventory.
 */
export async function projectInventory(env: Record<string, string | undefined>, policy: Policy, now: Date): Promise<InventoryOutcome> {
  const started = performance.now();
  const adapters = buildAdapters(readSettings(env), { vault: true }, "cli");
  // The last context or project read reports its progress when CircleCI's part is over.
  let circleciDoneAt = started;
  const snapshot = await takeInventory(adapters, policy, {
    now,
    onProgress: (progress) => {
      if (progress.phase === "contexts" || progress.phase === "projects") circleciDoneAt = performance.now();
    },
  });
  return {
    circleciMs: circleciDoneAt - started,
    found: count(snapshot.circleci.variables, snapshot.entra.apps, snapshot.keyVault?.secrets ?? []),
    errors: snapshot.errors.map((e) => `${e.source} ${e.where}: ${e.message}`),
  };
}

/**
 * The baseline: the same listings, one request at a time and no retry — how the one published CircleCI
 * inventory tool works (a loop of awaited GETs). It goes through the same adapters, held to one request in
 * flight with retries off, so the two differ only in concurrency, pacing and retries. A 429 ends it.
 */
export async function sequentialBaseline(env: Record<string, string | undefined>, policy: Policy): Promise<InventoryOutcome> {
  const started = performance.now();
  let circleciMs = 0;
  const settings = readSettings(env);
  const credential = new DefaultAzureCredential();
  const ci = createCircleCiStore({ apiUrl: settings.circleci.apiUrl, token: settings.circleci.token ?? "", orgId: settings.circleci.orgId ?? "", retries: 0, maxConcurrency: 1 });
  const directory = createGraphDirectory({ graphUrl: settings.graphUrl, credential, maxConcurrency: 1, retry: { retries: 0 } });
  const vault = createKeyVault({ vaultUrl: settings.keyVaultUrl ?? "", credential, retry: { maxRetries: 0 } });
  const variables: CiVariable[] = [];
  let apps: EntraApp[] = [];
  let secrets: VaultSecretInfo[] = [];
  try {
    for (const context of await ci.listContexts()) {
      variables.push(...(await ci.listContextVariables(context)));
      await ci.listContextRestrictions(context);
    }
    const projects = new Set(policy.inventory.projects);
    for (const credential of policy.credentials) if ("project" in credential.circleci) projects.add(credential.circleci.project);
    for (const slug of [...projects].sort()) variables.push(...(await ci.listProjectVariables(slug)));
    circleciMs = performance.now() - started;
    apps = await directory.listApplications();
    secrets = await vault.listSecrets();
    return { found: count(variables, apps, secrets), errors: [], circleciMs };
  } catch (error) {
    return { found: count(variables, apps, secrets), errors: [error instanceof Error ? error.message : String(error)], circleciMs };
  }
}
