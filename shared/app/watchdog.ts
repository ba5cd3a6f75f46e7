import type { TokenCredential } from "@azure/identity";
import type { Plan } from "../domain/finding.js";
import { buildPlan } from "../domain/plan/index.js";
import type { Policy } from "../domain/policy/index.js";
import type { Snapshot } from "../domain/snapshot.js";
import { runCycle, type CycleReport } from "../engine/cycle.js";
import { auditLimit, renderReport } from "../report/index.js";
import { planRotation, rotateCredential, type RotationOutcome, type RotationPlan } from "../engine/rotation/index.js";
import { BadInputError } from "./errors.js";
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
  /** Manual rotation of one policy credential (CLI `rotate`, POST /api/credentials/{name}/rotate, rotation-jobs). */
  rotate(name: string, options: { actor: string; dryRun?: boolean; manual?: boolean }): Promise<ManualRotation>;
}

export type ManualRotation = { dryRun: true; plan: RotationPlan } | { dryRun: false; outcome: RotationOutcome };

/** The credential named does not exist in the policy, or is not one the watchdog rotates. */
export class UnknownCredentialError extends BadInputError {
  constructor(
    readonly credential: string,
    readonly reason: "not-found" | "not-rotated",
    detail: string,
  ) {
    super("arguments", [detail]);
    this.name = "UnknownCredentialError";
  }
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
    run: (opts) => runCycle({ adapters, policy, tenantId: settings.tenantId!, fanOutAbove: settings.fanOutAbove }, { ...opts, now }),
    async rotate(name, opts) {
      const credential = policy.credentials.find((c) => c.name === name);
      if (!credential) throw new UnknownCredentialError(name, "not-found", `credential "${name}": not in the policy (${policy.credentials.map((c) => c.name).join(", ") || "no credentials"})`);
      if (credential.action !== "rotate") throw new UnknownCredentialError(name, "not-rotated", `credential "${name}": has action: ${credential.action}; only action: rotate credentials are rotated`);
      const manual = opts.manual ?? true;
      if (opts.dryRun) return { dryRun: true, plan: await planRotation(adapters.state, credential, { now: now(), manual, snapshotComplete: false }) };
      // A manual rotation reads no inventory, so it never retires an old secret itself: the next cycle does, on a complete one.
      const outcome = await rotateCredential(adapters, credential, { tenantId: settings.tenantId!, now, actor: opts.actor, manual, snapshotComplete: false });
      return { dryRun: false, outcome };
    },
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
