import { policySchema, type Policy } from "../../domain/policy/index.js";
import type { WatchdogPorts } from "../../ports/index.js";
import { takeInventory } from "../inventory.js";
import { discoveryYaml } from "./policy-yaml.js";
import { proposeBindings, type Discovery, type DiscoveryOptions } from "./proposals.js";

export interface DiscoverOptions extends Omit<DiscoveryOptions, "vaultConfigured"> {
  now: Date;
  /** More project slugs to read than the policy names (project variables cannot be listed org-wide). */
  projects?: string[];
}

export interface DiscoveryReport extends Discovery {
  /** Paste-ready policy document; `parsePolicy` accepts it. */
  yaml: string;
}

/**
 * `watchdog discover`: reads CircleCI (contexts, the policy's projects and `projects`), Entra and Key Vault
 * — names and metadata only, as the inventory does — and proposes policy bindings for the Azure-looking
 * secrets, saying which can move to OIDC and which should be rotated. Changes nothing.
 */
export async function discover(ports: WatchdogPorts, options: DiscoverOptions): Promise<DiscoveryReport> {
  const base: Policy = options.policy ?? policySchema.parse({ version: 1 });
  const policy: Policy = { ...base, inventory: { ...base.inventory, projects: [...new Set([...base.inventory.projects, ...(options.projects ?? [])])] } };
  const snapshot = await takeInventory(ports, policy, { now: options.now });
  const discovery = proposeBindings(snapshot, { ...options, vaultConfigured: ports.vault !== undefined });
  return { ...discovery, yaml: discoveryYaml(discovery, options) };
}
