import type { Alert } from "../domain/alert.js";
import { decideAlerts, rotationFailedAlert, waiverEndingAlerts, type AlertDecisions, type BaselineSummary } from "../domain/alerts/index.js";
import type { Plan } from "../domain/finding.js";
import { buildPlan } from "../domain/plan/index.js";
import type { Policy } from "../domain/policy/index.js";
import type { Snapshot } from "../domain/snapshot.js";
import type { WatchdogPorts } from "../ports/index.js";
import type { WebhookSink } from "../ports/notifier.js";
import { deliverPending, isFirstCycle, loadLedger, markAnnounced, recordAlerts, type Delivered } from "./alerts/index.js";
import { takeInventory, type InventoryProgress } from "./inventory.js";
import { observeCycleDrift } from "./rotation/cycle-drift.js";
import { act, changedTheWorld } from "./act.js";
import { isBusy, rotationBlocks, type PropagationOptions, type RotationOutcome } from "./rotation/index.js";
import type { RotationBlock } from "../domain/app-policy/index.js";
import type { StateStore } from "../ports/state-store.js";
import { isMigrationBusy, loadMigrationStatuses, type MigrationOutcome } from "./migration/index.js";
import type { CycleHealth, CycleOutcome } from "../domain/self-watch/cycle-health.js";
import { decideSelfWatch, finishSelfWatch, type HeartbeatOutcome } from "./self-watch/watch-cycle.js";
import { assembleRead, saveRead, type ReadMemo } from "./read-model/index.js";
import { withPermissions } from "./doctor/index.js";
import { sweepCounters, type CounterSweep } from "./broker/index.js";

export interface CycleFailure {
  /** "inventory", "alerts.record", "alerts.deliver", "rotate <name>", … */
  step: string;
  message: string;
}

export interface CycleReport {
  startedAt: string;
  finishedAt: string;
  dryRun: boolean;
  actor: string;
  plan: Plan;
  /** What the act stage did to each credential with rotation work (empty on a dry run). */
  rotations: RotationOutcome[];
  /** What the act stage did to each `action: oidc` credential (empty on a dry run). */
  migrations: MigrationOutcome[];
  /** Credentials handed to the rotation-jobs queue instead of rotated inline. */
  enqueued: string[];
  alerts: {
    raised: Alert[];
    sent: number;
    failed: number;
    pending: number;
    /** The first cycle against the organization: chat sinks got one baseline announcement instead of the alerts. */
    baseline: boolean;
    /** Messages that reached a sink; a digest stands for `digest.alerts` alerts. */
    deliveries: Array<{ alertId: string; sink: string; title: string; digest?: { kind: "baseline" | "digest" | "batch"; alerts: number } }>;
  };
  failures: CycleFailure[];
  /** How this and the previous cycles went (not on a dry run). */
  health?: CycleHealth;
  /** The dead-man's-switch ping after a successful cycle (not on a dry run). */
  heartbeat?: HeartbeatOutcome;
  /** The OIDC broker's counters no exchange can use any more, deleted by a whole cycle (not a scoped one). */
  brokerCounters?: CounterSweep;
}

export interface CycleDependencies {
  adapters: WatchdogPorts;
  policy: Policy;
  /** AZURE_TENANT_ID: where new secrets are tested. */
  tenantId: string;
  /** CIRCLECI_ORG_ID: the OIDC issuer of federated credentials. */
  orgId: string;
  /** More rotations than this fan out to the rotation-jobs queue (when one is configured). */
  fanOutAbove: number;
  /** WATCHDOG_REPORT_URL: where a digest's reader sees everything. */
  reportUrl?: string;
  /** This instance's memo of the stored read: readers in this instance are then served without decoding it again. */
  readMemo?: ReadMemo;
  /** See MigrateOptions.signInReportingLagMs. */
  signInReportingLagMs: number;
  /** When a new secret counts as propagated (defaults: the rotation engine's). */
  propagation?: PropagationOptions;
  /** BROKER_ISSUER_URL: the issuer of the federated credential a migration in oidc.mode: broker creates. */
  brokerIssuerUrl?: string;
  /** KEY_VAULT_URL, named in the Key Vault grant of a permission-missing finding. */
  vaultUrl?: string;
}

/**
 * One credential's part of a cycle (a Key Vault event names its secret): the inventory and plan are the
 * cycle's, whole (retirement needs a complete one), but only this credential is acted on and alerted about,
 * through the same journal, leases, ledger and outbox as the timer, so the two never do the work twice. It is no
 * cycle of its own: no baseline announcement, no self-watch or heartbeat, no stored read for readers.
 */
export interface CycleScope {
  credential: string;
  /** Alerts the caller raises beside the plan's (a Key Vault version the watchdog did not write). */
  alerts?: Alert[];
}

export interface CycleOptions {
  dryRun: boolean;
  actor: string;
  now: () => Date;
  onProgress?: (p: InventoryProgress) => void;
  /** false (`--no-baseline`): the first cycle alerts one by one instead of announcing a baseline to chat sinks. */
  baseline?: boolean;
  /** Only this credential (see CycleScope); a whole cycle without it. */
  scope?: CycleScope;
}

function deliveryLine(delivered: Delivered): CycleReport["alerts"]["deliveries"][number] {
  if (delivered.alert) return { alertId: delivered.alert.id, sink: delivered.sink, title: delivered.alert.title };
  const digest = delivered.digest;
  return { alertId: digest.id, sink: delivered.sink, title: digest.title, digest: { kind: digest.kind, alerts: digest.total } };
}

/** A rotation-failed alert for each rotation that stopped on a failure this cycle. */
function rotationFailureAlerts(rotations: RotationOutcome[], plan: Plan, now: Date): Pick<AlertDecisions, "raise"> {
  const raise = [];
  for (const outcome of rotations) {
    if (isBusy(outcome) || !outcome.failure) continue;
    const source = plan.credentials.find((c) => c.credential === outcome.credential)?.source ?? {};
    raise.push(
      rotationFailedAlert({
        credential: outcome.credential,
        rotationId: outcome.rotationId,
        step: outcome.failure.step,
        message: outcome.failure.message,
        source,
        now,
      }),
    );
  }
  return { raise };
}

/**
 * Rotations Graph refused (blocked journals), for the plan's blocked-by-tenant-policy findings. A store that
 * cannot be read leaves them out: they only report, and the journals themselves still hold the rotations back.
 */
export async function knownRotationBlocks(state: StateStore): Promise<RotationBlock[]> {
  return rotationBlocks(state).catch(() => []);
}

/** The plan with the OIDC migration progress of the policy's oidc credentials (state), and their first OIDC sign-ins (the sign-in log). */
export async function withMigrations(plan: Plan, deps: Pick<CycleDependencies, "adapters" | "policy">): Promise<Plan> {
  const oidc = deps.policy.credentials.filter((c) => c.action === "oidc");
  if (oidc.length === 0) return plan;
  return { ...plan, migrations: await loadMigrationStatuses(deps.adapters.state, oidc, deps.adapters.directory) };
}

/**
 * The plan of a snapshot, with the drift the engine observed for the rotated credentials (journal + CircleCI), the
 * permissions its due steps need checked (blocked findings before acting) and the ownership of every rotated or
 * federated app. The same for a cycle, `watchdog plan` and the report.
 */
export async function planWithPermissions(snapshot: Snapshot, deps: Pick<CycleDependencies, "adapters" | "policy" | "vaultUrl">, now: Date): Promise<Plan> {
  const drift = await observeCycleDrift(deps.adapters, deps.policy, snapshot);
  const plan = buildPlan(snapshot, deps.policy, now, { vaultConfigured: deps.adapters.vault !== undefined, drift, rotationBlocks: await knownRotationBlocks(deps.adapters.state) });
  return withPermissions(deps.adapters, deps.policy, plan, { apps: snapshot.entra.apps, ...(deps.vaultUrl ? { vaultUrl: deps.vaultUrl } : {}) });
}

/** What the first cycle's announcement says the watchdog watches. */
function baselineSummary(plan: Plan): BaselineSummary {
  return { credentials: plan.summary.credentials, expired: plan.summary.expired, expiring: plan.summary.expiring, longLived: plan.summary.longLived };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function webhookSinks(policy: Policy): WebhookSink[] {
  return policy.alerts.webhooks.map((w) => ({
    name: w.name,
    kind: w.kind,
    url: w.url,
    signingSecret: w.signingSecret,
    ...(w.digestAbove !== undefined ? { digestAbove: w.digestAbove } : {}),
    ...(w.batch !== undefined ? { batch: w.batch } : {}),
  }));
}

/**
 * One watchdog cycle: inventory -> plan -> (act) -> alert. Every stage that can fail part-way is recorded
 * in `failures` rather than thrown, so later stages still run (an unreachable receiver must not stop a
 * rotation, and vice versa); state in the store lets the next cycle resume.
 */
export async function runCycle(deps: CycleDependencies, options: CycleOptions): Promise<CycleReport> {
  const { adapters, policy } = deps;
  const scope = options.scope;
  const inScope = ({ credential }: { credential: string }) => !scope || credential === scope.credential;
  const startedAt = options.now();
  const snapshot = await takeInventory(adapters, policy, { now: startedAt, onProgress: options.onProgress });
  const plan = await withMigrations(await planWithPermissions(snapshot, deps, startedAt), deps);
  const report: CycleReport = {
    startedAt: startedAt.toISOString(),
    finishedAt: startedAt.toISOString(),
    dryRun: options.dryRun,
    actor: options.actor,
    plan,
    rotations: [],
    migrations: [],
    enqueued: [],
    alerts: { raised: [], sent: 0, failed: 0, pending: 0, baseline: false, deliveries: [] },
    failures: [],
  };
  if (options.dryRun) return report;

  try {
    const acted = await act(adapters, policy, plan, {
      tenantId: deps.tenantId,
      orgId: deps.orgId,
      now: options.now,
      actor: options.actor,
      // One credential is rotated inline: the queue exists to share many.
      fanOutAbove: scope ? Number.POSITIVE_INFINITY : deps.fanOutAbove,
      ...(scope ? { only: scope.credential } : {}),
      signInReportingLagMs: deps.signInReportingLagMs,
      ...(deps.propagation ? { propagation: deps.propagation } : {}),
      ...(deps.brokerIssuerUrl ? { brokerIssuerUrl: deps.brokerIssuerUrl } : {}),
    });
    report.rotations = acted.rotations;
    report.migrations = acted.migrations;
    report.enqueued = acted.enqueued;
    for (const skipped of acted.skipped) report.failures.push({ step: `rotate ${skipped.credential}`, message: skipped.reason });
  } catch (error) {
    report.failures.push({ step: "rotate", message: message(error) });
  }

  // Alerts speak of the world as it is after acting: a secret rotated a minute ago is not "expiring".
  let alertPlan = plan;
  let latest = { snapshot, plan };
  // …and a rotation Graph refused just now is a blocked finding now, not next cycle.
  const refused = report.rotations.some((outcome) => !isBusy(outcome) && outcome.blocked !== undefined);
  if (changedTheWorld(report) || refused) {
    const after = changedTheWorld(report) ? await takeInventory(adapters, policy, { now: options.now() }) : snapshot;
    // Still-blocked steps stay blocked findings: the alerts must not resolve them because something else rotated.
    alertPlan = await planWithPermissions(after, deps, options.now());
    latest = { snapshot: after, plan: alertPlan };
  }

  const sinks = webhookSinks(policy);
  try {
    const ledger = await loadLedger(adapters.state);
    // Scoped, the other credentials' ledger entries are neither read nor resolved.
    const decisions = decideAlerts({
      credentials: alertPlan.credentials.filter(inScope),
      findings: alertPlan.findings.filter(inScope),
      ledger: ledger.filter(inScope),
      thresholdsDays: policy.alerts.thresholdsDays,
      complete: alertPlan.complete,
      now: options.now(),
    });
    const rotationAlerts = rotationFailureAlerts(report.rotations, plan, options.now());
    for (const alert of rotationAlerts.raise) {
      report.failures.push({ step: `rotate ${alert.credential}`, message: alert.title });
    }
    const migrationAlerts = report.migrations.flatMap((outcome) => (isMigrationBusy(outcome) ? [] : outcome.alerts));
    for (const outcome of report.migrations) {
      if (!isMigrationBusy(outcome) && outcome.failure) report.failures.push({ step: `migrate ${outcome.credential}: ${outcome.failure.step}`, message: outcome.failure.message });
    }
    const waiverAlerts = waiverEndingAlerts(alertPlan.waivers ?? [], options.now()).filter(inScope);
    const all: AlertDecisions = { raise: [...(scope?.alerts ?? []), ...decisions.raise, ...rotationAlerts.raise, ...migrationAlerts, ...waiverAlerts], ledger: decisions.ledger };
    // The baseline announces the watchdog's first whole cycle; a scoped run leaves it to that cycle.
    const first = !scope && (await isFirstCycle(adapters.state, ledger));
    const baseline = first && options.baseline !== false ? baselineSummary(alertPlan) : undefined;
    await recordAlerts(adapters.state, all, sinks, options.now(), { baseline, reportUrl: deps.reportUrl });
    if (first) await markAnnounced(adapters.state, options.now());
    report.alerts.raised = all.raise;
    report.alerts.baseline = baseline !== undefined;
  } catch (error) {
    report.failures.push({ step: "alerts.record", message: message(error) });
  }
  let selfWatch: Awaited<ReturnType<typeof decideSelfWatch>> | undefined;
  if (!scope) {
    try {
      selfWatch = await decideSelfWatch(adapters.state, policy.selfWatch, sinks, outcomeOf(report, startedAt, options.now()), options.now());
      await recordAlerts(adapters.state, { raise: selfWatch.raise, ledger: { put: [], remove: [] } }, selfWatch.sinks, options.now());
      report.alerts.raised.push(...selfWatch.raise);
    } catch (error) {
      report.failures.push({ step: "selfWatch", message: message(error) });
    }
  }
  try {
    const delivery = await deliverPending(adapters.state, adapters.notifier, sinks, options.now(), { concurrency: 4, actor: options.actor, reportUrl: deps.reportUrl });
    report.alerts.sent = delivery.sent;
    report.alerts.failed = delivery.failed;
    report.alerts.pending = delivery.pending;
    report.alerts.deliveries = delivery.delivered.map(deliveryLine);
  } catch (error) {
    report.failures.push({ step: "alerts.deliver", message: message(error) });
  }
  if (!scope) {
    try {
      report.brokerCounters = await sweepCounters(adapters.state, options.now());
    } catch (error) {
      report.failures.push({ step: "broker.sweep", message: message(error) });
    }
  }
  report.finishedAt = options.now().toISOString();
  if (selfWatch) {
    try {
      const finished = await finishSelfWatch(adapters.state, adapters.heartbeat, policy.selfWatch, selfWatch, outcomeOf(report, startedAt, options.now()));
      report.health = finished.health;
      report.heartbeat = finished.heartbeat;
    } catch (error) {
      report.failures.push({ step: "selfWatch", message: message(error) });
    }
  }
  // Readers are served whole cycles: a scoped run's report would show one credential's work as the cycle's.
  if (!scope) await storeRead(deps, latest, report, options.now());
  return report;
}

function outcomeOf(report: CycleReport, startedAt: Date, finishedAt: Date): CycleOutcome {
  return { startedAt, finishedAt, failures: [...report.failures], inventoryComplete: report.plan.complete, sourceErrors: report.plan.sourceErrors };
}

/**
 * What the cycle read last (after acting, when it acted) and what it did, for readers (the read model). A
 * failure to store it is the cycle's: readers would otherwise be served an older cycle without knowing why.
 */
async function storeRead(deps: CycleDependencies, latest: Pick<CycleReport, "plan"> & { snapshot: Snapshot }, report: CycleReport, now: Date): Promise<void> {
  try {
    const { plan: _plan, ...result } = report;
    const plan = latest.plan === report.plan ? report.plan : await withMigrations(latest.plan, deps);
    await saveRead(deps.adapters.state, { origin: "cycle", parts: await assembleRead(deps.adapters.state, { snapshot: latest.snapshot, plan, result }) }, now, deps.readMemo);
  } catch (error) {
    report.failures.push({ step: "read-model.store", message: message(error) });
  }
}
