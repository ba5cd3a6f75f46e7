import type { CycleReport } from "../engine/cycle.js";

/** One log line per cycle: what was found, what was sent, what waits. */
export function summarizeCycle(report: CycleReport): string {
  const s = report.plan.summary;
  return [
    `watchdog cycle (${report.actor}${report.dryRun ? ", dry run" : ""}):`,
    `${s.credentials} credentials, ${s.expired} expired, ${s.expiring} expiring, ${s.longLived} long-lived, ${s.notFound} not found;`,
    `alerts ${report.alerts.raised.length} raised, ${report.alerts.sent} sent, ${report.alerts.pending} pending;`,
    report.plan.complete ? "inventory complete" : `inventory INCOMPLETE (${report.plan.sourceErrors.length} source errors)`,
    report.failures.length > 0 ? `; FAILED: ${report.failures.map((f) => f.step).join(", ")}` : "",
  ].join(" ");
}
