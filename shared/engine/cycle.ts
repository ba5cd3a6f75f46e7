import type { Alert } from "../domain/alert.js";
import { decideAlerts } from "../domain/alerts/index.js";
import type { Plan } from "../domain/finding.js";
import { buildPlan } from "../domain/plan/index.js";
import type { Policy } from "../domain/policy/index.js";
import type { WatchdogPorts } from "../ports/index.js";
import type { WebhookSink } from "../ports/notifier.js";
import { deliverPending, loadLedger, recordAlerts } from "./alerts/index.js";
import { takeInventory, type InventoryProgress } from "./inventory.js";

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
  alerts: {
    raised: Alert[];
    sent: number;
    failed: number;
    pending: number;
    deliveries: Array<{ alertId: string; sink: string; title: string }>;
  };
  failures: CycleFailure[];
}

export interface CycleDependencies {
  adapters: WatchdogPorts;
  policy: Policy;
}

export interface CycleOptions {
  dryRun: boolean;
  actor: string;
  now: () => Date;
  onProgress?: (p: InventoryProgress) => void;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function webhookSinks(policy: Policy): WebhookSink[] {
  return policy.alerts.webhooks.map((w) => ({ name: w.name, kind: w.kind, url: w.url, signingSecret: w.signingSecret }));
}

/**
 * One watchdog cycle: inventory -> plan -> (act) -> alert. Every stage that can fail part-way is recorded
 * in `failures` rather than thrown, so later stages still run (an unreachable receiver must not stop a
 * rotation, and vice versa); state in the store lets the next cycle resume.
 */
export async function runCycle(deps: CycleDependencies, options: CycleOptions): Promise<CycleReport> {
  const { adapters, policy } = deps;
  const startedAt = options.now();
  const snapshot = await takeInventory(adapters, policy, { now: startedAt, onProgress: options.onProgress });
  const plan = buildPlan(snapshot, policy, startedAt, { vaultConfigured: adapters.vault !== undefined });
  const report: CycleReport = {
    startedAt: startedAt.toISOString(),
    finishedAt: startedAt.toISOString(),
    dryRun: options.dryRun,
    actor: options.actor,
    plan,
    alerts: { raised: [], sent: 0, failed: 0, pending: 0, deliveries: [] },
    failures: [],
  };
  if (options.dryRun) return report;

  const sinks = webhookSinks(policy);
  try {
    const ledger = await loadLedger(adapters.state);
    const decisions = decideAlerts({
      credentials: plan.credentials,
      findings: plan.findings,
      ledger,
      thresholdsDays: policy.alerts.thresholdsDays,
      complete: plan.complete,
      now: options.now(),
    });
    await recordAlerts(adapters.state, decisions, sinks, options.now());
    report.alerts.raised = decisions.raise;
  } catch (error) {
    report.failures.push({ step: "alerts.record", message: message(error) });
  }
  try {
    const delivery = await deliverPending(adapters.state, adapters.notifier, sinks, options.now(), { concurrency: 4, actor: options.actor });
    report.alerts.sent = delivery.sent;
    report.alerts.failed = delivery.failed;
    report.alerts.pending = delivery.pending;
    report.alerts.deliveries = delivery.delivered.map((d) => ({ alertId: d.alert.id, sink: d.sink, title: d.alert.title }));
  } catch (error) {
    report.failures.push({ step: "alerts.deliver", message: message(error) });
  }
  report.finishedAt = options.now().toISOString();
  return report;
}
