import { readHealth, type HealthView } from "../engine/self-watch/health-view.js";
import type { TokenCredential } from "@azure/identity";
import type { Plan, WaiverStatus } from "../domain/finding.js";
import { buildPlan } from "../domain/plan/index.js";
import type { Policy } from "../domain/policy/index.js";
import type { Snapshot } from "../domain/snapshot.js";
import { planWithPermissions, runCycle, withMigrations, type CycleDependencies, type CycleReport } from "../engine/cycle.js";
import { reactToVaultEvent, type VaultEventOutcome, type VaultSecretEvent } from "../engine/vault-event.js";
import { pendingRotations } from "../engine/rotation/index.js";
import {
  migrateCredential,
  previewMigration,
  retireMigration,
  rollbackMigration,
  type MigrationOutcome,
  type MigrationPreview,
  checkOidcToken,
  type TokenCheckResult,
} from "../engine/migration/index.js";
import { discover, type DiscoveryReport } from "../engine/discover/index.js";
import { otherCredentialsOfApp, type OidcCredential } from "../domain/policy/index.js";
import { runDoctor } from "../engine/doctor/index.js";
import type { DoctorReport } from "../domain/doctor/index.js";
import { isComplete } from "../domain/snapshot.js";
import { inventoryStillComplete, type InventoryEvidence } from "../domain/rotation/index.js";
import { HOUR_MS } from "../domain/time.js";
import { brokerSettings } from "../domain/migration/index.js";
import type { CredentialProgress } from "../report/index.js";
import { auditLimit, renderReport } from "../report/index.js";
import { planRotation, repushCredential, rotateCredential, type RotationOutcome, type RotationPlan } from "../engine/rotation/index.js";
import { BadInputError } from "./errors.js";
import { takeInventory, type InventoryProgress } from "../engine/inventory.js";
import { buildAdapters, type Adapters, type WatchdogHost } from "./compose.js";
import { loadPolicy } from "./load-policy.js";
import { readSettings, type Settings } from "./settings.js";
import { assembleRead, serveRead, type ReadModelDependencies, type ReadPart, type ServedRead } from "../engine/read-model/index.js";
import type { PendingRotation } from "../engine/rotation/index.js";
import { instanceReads, readModelHolder } from "./read-model.js";

export type { HealthView };

export interface WatchdogOptions {
  /** Which entry point builds the app: it decides where state may live and where alerts may go (compose.ts). */
  host: WatchdogHost;
  /** Clock; the domain never reads one itself. */
  now?: () => Date;
  /** The watchdog's own Azure identity; DefaultAzureCredential unless given. */
  credential?: TokenCredential;
  /** Waiting knobs of the read model's refresh (production defaults when absent). */
  readModel?: Pick<ReadModelDependencies, "leaseTtlMs" | "pollMs" | "maxWaitMs">;
}

/** Asking for the stored read: `refresh` reads the world first (shared, at most one at a time, rate-limited by the minimum interval). */
export interface StoredReadRequest {
  refresh: boolean;
  /** Who asks, for the refresh lease: "http:<principal>", "cli:<user>". */
  actor: string;
}

export interface Watchdog {
  readonly settings: Settings;
  readonly policy: Policy;
  readonly adapters: Adapters;
  inventory(options?: { onProgress?: (p: InventoryProgress) => void }): Promise<Snapshot>;
  plan(options?: { onProgress?: (p: InventoryProgress) => void }): Promise<Plan>;
  /** `baseline: false` (`--no-baseline`): a first cycle alerts one by one instead of announcing a baseline. */
  run(options: { dryRun: boolean; actor: string; baseline?: boolean; onProgress?: (p: InventoryProgress) => void }): Promise<CycleReport>;
  /** A Key Vault event about one of this vault's secrets: that credential's part of a cycle (keyVaultEvents). */
  vaultEvent(event: VaultSecretEvent, options: { actor: string }): Promise<VaultEventOutcome>;
  /**
   * The last stored read (GET /api/plan, /api/inventory, /api/report; `--cached`): no request to CircleCI, Graph
   * or Key Vault, unless a refresh is asked for or nothing is stored yet.
   */
  stored<P extends ReadPart>(parts: readonly P[], request: StoredReadRequest): Promise<ServedRead<P>>;
  /** The HTML status page (`watchdog report` reads live; GET /api/report and `--cached` give `stored`). */
  report(options?: { stored?: StoredReadRequest }): Promise<string>;
  /** The stored health of the last cycles and the timer's next run (no call to CircleCI, Graph or Key Vault). */
  health(): Promise<HealthView>;
  /** Manual rotation of one policy credential (CLI `rotate`, POST /api/credentials/{name}/rotate, rotation-jobs). */
  /**
   * `inventory`: a cycle's inventory handed over in a rotation-jobs message; while complete and fresh the run may
   * retire as that cycle would. Without it the run reads no inventory and never retires.
   * `repush`: after a drift, put Key Vault's current value back into CircleCI instead of rotating (`--repush`).
   */
  rotate(name: string, options: { actor: string; dryRun?: boolean; manual?: boolean; inventory?: InventoryEvidence; repush?: boolean }): Promise<ManualRotation>;
  /** OIDC migration of one `action: oidc` credential: advance it, retire its secret (`confirm` when the tenant has no sign-in evidence), or roll back. */
  migration(command: MigrationCommand, name: string, options: { actor: string; dryRun?: boolean; confirm?: boolean; restart?: boolean }): Promise<ManualMigration>;
  /** `watchdog oidc check-token <name>`: a pasted CircleCI OIDC token compared with the app's federated credentials. */
  checkOidcToken(name: string, token: string): Promise<TokenCheckResult>;
  /** Every permission and role the policy's actions need, present or missing, with the grant that fixes it (`watchdog doctor`, GET /api/doctor). Reads only. */
  doctor(): Promise<DoctorReport>;
  /** Proposed policy bindings for what the inventory holds (`watchdog discover`). */
  discover(options: { projects?: string[]; oidc?: { projectIds: string[]; userIds: string[] } }): Promise<DiscoveryReport>;
}

export type MigrationCommand = "migrate" | "retire" | "rollback";

export type ManualMigration = { dryRun: true; preview: MigrationPreview } | { dryRun: false; outcome: MigrationOutcome };

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
export async function openWatchdog(env: Record<string, string | undefined>, options: WatchdogOptions): Promise<Watchdog> {
  const settings = readSettings(env);
  const now = options.now ?? (() => new Date());
  const policy = await loadPolicy(settings.policyPath, env, { now: now(), endedWaivers: "allow" });
  const needsVault = policy.credentials.some((c) => c.action === "rotate");
  const adapters = buildAdapters(settings, { vault: needsVault }, options.host, options.credential);

  const inventory: Watchdog["inventory"] = (opts = {}) =>
    takeInventory(adapters, policy, { now: now(), onProgress: opts.onProgress });
  const livePlan = async (snapshot: Snapshot) => withMigrations(await planWithPermissions(snapshot, { adapters, policy, vaultUrl: settings.keyVaultUrl }, now()), { adapters, policy });

  const stored: Watchdog["stored"] = (parts, request) =>
    serveRead(
      {
        store: adapters.state,
        instance: instanceReads(settings),
        holder: readModelHolder(),
        actor: request.actor,
        now,
        minIntervalMs: settings.refreshMinIntervalSeconds * 1_000,
        readWorld: async () => {
          const snapshot = await inventory();
          return { origin: "refresh", parts: await assembleRead(adapters.state, { snapshot, plan: await livePlan(snapshot) }) };
        },
        ...options.readModel,
      },
      parts,
      { refresh: request.refresh },
    );

  const cycleDependencies: CycleDependencies = {
    adapters,
    policy,
    tenantId: settings.tenantId!,
    orgId: settings.circleci.orgId!,
    fanOutAbove: settings.fanOutAbove,
    reportUrl: settings.reportUrl,
    readMemo: instanceReads(settings).memo,
    signInReportingLagMs: settings.signInReportingLagHours * HOUR_MS,
    propagation: settings.propagation,
    vaultUrl: settings.keyVaultUrl,
    ...(settings.broker ? { brokerIssuerUrl: settings.broker.issuerUrl } : {}),
  };

  /** The page from a plan, the rotation progress and the latest audit entries (state store reads only). */
  const renderPage = async (plan: Plan, rotations: readonly PendingRotation[], read?: Pick<ServedRead<ReadPart>, "info" | "refresh">) => {
    const audit = await adapters.state.listAudit(auditLimit);
    const states: Record<string, CredentialProgress> = {};
    for (const r of rotations) if (r.state !== "unreadable") states[r.credential] = { rotation: r.state };
    for (const m of plan.migrations ?? []) if (m.state !== "none") states[m.credential] = { ...states[m.credential], migration: m.state };
    const health = await readHealth(adapters.state, settings.schedule, now());
    return renderReport({ plan, audit, now: now(), thresholdsDays: policy.alerts.thresholdsDays, states, health, ...(read ? { read: { takenAt: read.info.takenAt, complete: read.info.complete, origin: read.info.origin, storedAt: read.info.storedAt, ...(read.refresh ? { refresh: read.refresh } : {}) } } : {}) });
  };

  return {
    settings,
    policy,
    adapters,
    inventory,
    async plan(opts = {}) {
      return livePlan(await inventory(opts));
    },
    stored,
    run: (opts) => runCycle(cycleDependencies, { ...opts, now }),
    vaultEvent: (event, opts) => reactToVaultEvent(cycleDependencies, event, { actor: opts.actor, now }),
    async rotate(name, opts) {
      const credential = policy.credentials.find((c) => c.name === name);
      if (!credential) throw new UnknownCredentialError(name, "not-found", `credential "${name}": not in the policy (${policy.credentials.map((c) => c.name).join(", ") || "no credentials"})`);
      if (credential.action !== "rotate") throw new UnknownCredentialError(name, "not-rotated", `credential "${name}": has action: ${credential.action}; only action: rotate credentials are rotated`);
      const manual = opts.manual ?? true;
      if (opts.repush) {
        if (opts.dryRun) throw new BadInputError("arguments", ["--repush: cannot be combined with --dry-run (the plan shows the drift and its ways out)"]);
        return { dryRun: false, outcome: await repushCredential(adapters, credential, { tenantId: settings.tenantId!, now, actor: opts.actor, manual, snapshotComplete: false }) };
      }
      // A manual rotation reads no inventory, so it never retires an old secret itself: the next cycle does, on a
      // complete one (or a queued job of that cycle, on the cycle's inventory while it is fresh).
      const snapshotComplete = inventoryStillComplete(opts.inventory, now());
      if (opts.dryRun) return { dryRun: true, plan: await planRotation(adapters.state, credential, { now: now(), manual, snapshotComplete }) };
      const outcome = await rotateCredential(adapters, credential, {
        tenantId: settings.tenantId!,
        now,
        actor: opts.actor,
        manual,
        snapshotComplete,
        appAlsoBoundBy: otherCredentialsOfApp(policy.credentials, credential),
        propagation: settings.propagation,
      });
      return { dryRun: false, outcome };
    },
    async report(opts = {}) {
      if (opts.stored) {
        const read = await stored(["plan", "progress"], opts.stored);
        return renderPage(read.parts.plan, read.parts.progress.rotations, read);
      }
      const plan = await livePlan(await inventory());
      return renderPage(plan, await pendingRotations(adapters.state));
    },
    health: () => readHealth(adapters.state, settings.schedule, now()),
    async migration(command, name, opts) {
      const credential = policy.credentials.find((c) => c.name === name);
      if (!credential) throw new UnknownCredentialError(name, "not-found", `credential "${name}": not in the policy (${policy.credentials.map((c) => c.name).join(", ") || "no credentials"})`);
      // A rollback may follow a policy already switched back to action: rotate; everything else needs action: oidc.
      if (credential.action !== "oidc" && !(command === "rollback" && credential.action === "rotate")) {
        throw new UnknownCredentialError(name, "not-rotated", `credential "${name}": has action: ${credential.action}; only action: oidc credentials migrate`);
      }
      const base = { orgId: settings.circleci.orgId!, tenantId: settings.tenantId!, now, actor: opts.actor, propagation: settings.propagation };
      const broker = brokerSettings(settings.broker?.issuerUrl, policy);
      const signInReportingLagMs = settings.signInReportingLagHours * HOUR_MS;
      if (command === "rollback") return { dryRun: false, outcome: await rollbackMigration(adapters, credential as OidcCredential, base) };
      // Retiring removes things: only on a complete inventory, as in the cycle.
      const snapshotComplete = isComplete(await inventory());
      if (opts.dryRun) {
        return { dryRun: true, preview: await previewMigration(adapters, credential as OidcCredential, { ...base, broker, now: now(), snapshotComplete, signInReportingLagMs, restart: opts.restart, confirm: opts.confirm }) };
      }
      const outcome =
        command === "retire"
          ? await retireMigration(adapters, credential as OidcCredential, { ...base, broker, snapshotComplete, signInReportingLagMs, confirm: opts.confirm === true })
          : await migrateCredential(adapters, credential as OidcCredential, { ...base, broker, snapshotComplete, signInReportingLagMs, restart: opts.restart });
      return { dryRun: false, outcome };
    },
    async checkOidcToken(name, token) {
      const credential = policy.credentials.find((c) => c.name === name);
      if (!credential) throw new UnknownCredentialError(name, "not-found", `credential "${name}": not in the policy (${policy.credentials.map((c) => c.name).join(", ") || "no credentials"})`);
      if (credential.action !== "oidc") throw new UnknownCredentialError(name, "not-rotated", `credential "${name}": has action: ${credential.action}; only action: oidc credentials are federated`);
      const broker = { settings: brokerSettings(settings.broker?.issuerUrl, policy), policy: policy.broker };
      return checkOidcToken(adapters, credential, token, { orgId: settings.circleci.orgId!, now: now(), broker });
    },
    doctor: () => runDoctor(adapters, policy, { vaultUrl: settings.keyVaultUrl, now: now() }),
    discover: (opts) => discover(adapters, { orgId: settings.circleci.orgId!, now: now(), policy, projects: opts.projects, oidc: opts.oidc }),
  };
}

/** Whether the policy's waivers were checked against the inventory, and what each matched. */
export type WaiverCheck = { checked: true; waivers: WaiverStatus[] } | { checked: false; reason: string };

/**
 * `watchdog check-policy [file]`: validates and summarises, or throws a PolicyFileError. An ended waiver is an
 * error here (the running watchdog lets it through and alerts again). With the settings of a cycle present, the
 * waivers are checked against the inventory: one that matches nothing is a warning.
 */
export async function checkPolicyFile(
  env: Record<string, string | undefined>,
  file?: string,
  options: Omit<WatchdogOptions, "host"> = {},
): Promise<{ file: string; policy: Policy; waivers?: WaiverCheck }> {
  const settings = readSettings(env);
  const path = file ?? settings.policyPath;
  const now = options.now ?? (() => new Date());
  const policy = await loadPolicy(path, env, { now: now(), endedWaivers: "error" });
  if (policy.waivers.length === 0) return { file: path, policy };
  let adapters: Adapters;
  try {
    // check-policy is a command-line command.
    adapters = buildAdapters(settings, { vault: false }, "cli", options.credential);
  } catch (error) {
    return { file: path, policy, waivers: { checked: false, reason: error instanceof BadInputError ? error.issues.map((i) => i.split(":")[0]).join(", ") + " not set" : String(error) } };
  }
  const plan = buildPlan(await takeInventory(adapters, policy, { now: now() }), policy, now(), { vaultConfigured: false });
  if (!plan.complete) return { file: path, policy, waivers: { checked: false, reason: "the inventory could not read every source" } };
  return { file: path, policy, waivers: { checked: true, waivers: plan.waivers ?? [] } };
}
