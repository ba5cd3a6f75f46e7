import { rotationJobPoisonedAlert } from "../domain/alerts/index.js";
import { deliverPending, recordAlerts } from "../engine/alerts/index.js";
import { webhookSinks } from "../engine/cycle.js";
import type { RotationJobMessage } from "../ports/state-store.js";
import type { Watchdog } from "./watchdog.js";

/**
 * Raises the alert for a rotation job that failed its last delivery, through the same outbox as every other
 * alert: recorded first (so a failed delivery is retried by the next cycle), then delivered now. Delivery
 * failures are the outbox's to retry; only a failure to record throws.
 */
export async function raisePoisonAlert(
  watchdog: Watchdog,
  job: RotationJobMessage,
  failure: { step: string; message: string; attempts: number },
  now: Date = new Date(),
): Promise<{ alertId: string; sent: number }> {
  const credential = watchdog.policy.credentials.find((c) => c.name === job.credential);
  const alert = rotationJobPoisonedAlert({ job, credential, attempts: failure.attempts, step: failure.step, message: failure.message, now });
  const sinks = webhookSinks(watchdog.policy);
  const { state, notifier } = watchdog.adapters;
  await recordAlerts(state, { raise: [alert], ledger: { put: [], remove: [] } }, sinks, now);
  await state.appendAudit({
    at: now.toISOString(),
    event: "rotation.job-poisoned",
    actor: "queue",
    subject: job.credential,
    details: { jobId: job.jobId, requestedBy: job.requestedBy, attempts: failure.attempts, step: failure.step, alertId: alert.id },
  });
  const delivery = await deliverPending(state, notifier, sinks, now, { concurrency: 4, actor: "queue" });
  // A chat sink with other alerts due may carry it inside one digest message: that counts as sent too.
  const carried = (d: (typeof delivery.delivered)[number]) => d.alert?.id === alert.id || (d.digest?.alerts.some((a) => a.id === alert.id) ?? false);
  return { alertId: alert.id, sent: delivery.delivered.filter(carried).length };
}
