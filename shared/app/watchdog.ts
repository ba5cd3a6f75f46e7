import type { TokenCredential } from "@azure/identity";
import type { Plan } from "../domain/finding.js";
import { buildPlan } from "../domain/plan/index.js";
import type { Policy } from "../domain/policy/index.js";
import type { Snapshot } from "../domain/snapshot.js";
import { runCycle, type CycleReport } from "../engine/cycle.js";
import { auditLimit, renderReport } from "../report/index.js";
import { takeInventory, type InventoryProgress } from "../engine/inventory.js";
import { buildAdapters, type Adapters } from "./compose.js";
import { loadPolicy } from "./load-policy.js";
import { readSettings, type Settings } from "./settings.js";

export interface WatchdogOptions {
  /** Clock; the domain never reads one itself. */
  now?: () => Date;
  /** The watchdog's own Azure identity; DefaultAzureCredential unless given. */
  credential?: TokenCredential;
}

export interface Watchdog {
  readonly settings: Settings;
  readonly policy: Policy;
  readonly adapters: Adapters;
  inventory(options?: { onProgress?: (p: InventoryProgress) => void }): Promise<Snapshot>;
  plan(options?: { onProgress?: (p: InventoryProgress) => void }): Promise<Plan>;
  run(options: { dryRun: boolean; actor: string; onProgress?: (p: InventoryProgress) => void }): Promise<CycleReport>;
  /** The HTML status page (GET /api/report, `watchdog report`). */
  report(): Promise<string>;
}

/**
 * The composition root: settings -> policy -> adapters -> engine. Bad settings or policy throw a
 * BadInputError here, before any adapter has made a request.
 */
export async function openWatchdog(env: Record<string, string | undefined>, options: WatchdogOptions = {}): Promise<Watchdog> {
  const settings = readSettings(env);
  const policy = await loadPolicy(settings.policyPath, env);
  const needsVault = policy.credentials.some((c) => c.action === "rotate");
  const adapters = buildAdapters(settings, { vault: needsVault }, options.credential);
  const now = options.now ?? (() => new Date());

  const inventory: Watchdog["inventory"] = (opts = {}) =>
    takeInventory(adapters, policy, { now: now(), onProgress: opts.onProgress });

  return {
    settings,
    policy,
    adapters,
    inventory,
    async plan(opts = {}) {
      const snapshot = await inventory(opts);
      return buildPlan(snapshot, policy, now(), { vaultConfigured: adapters.vault !== undefined });
    },
    run: (opts) => runCycle({ adapters, policy }, { ...opts, now }),
    async report() {
      const snapshot = await inventory();
      const plan = buildPlan(snapshot, policy, now(), { vaultConfigured: adapters.vault !== undefined });
      const audit = await adapters.state.listAudit(auditLimit);
      return renderReport({ plan, audit, now: now(), thresholdsDays: policy.alerts.thresholdsDays });
    },
  };
}

/** `watchdog check-policy [file]`: validates and summarises, or throws a PolicyFileError. */
export async function checkPolicyFile(env: Record<string, string | undefined>, file?: string): Promise<{ file: string; policy: Policy }> {
  const path = file ?? readSettings(env).policyPath;
  return { file: path, policy: await loadPolicy(path, env) };
}
