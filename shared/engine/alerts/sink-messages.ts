import type { Alert } from "../../domain/alert.js";
import { buildDigest, shownItems, type BaselineSummary, type Digest } from "../../domain/alerts/digest.js";
import { defaultDigestAbove } from "../../domain/policy/webhook-schema.js";
import type { WebhookSink } from "../../ports/notifier.js";

export interface MessageOptions {
  /** The first cycle against an organization: chat sinks get one announcement instead of the alerts one by one. */
  baseline?: BaselineSummary;
  /** WATCHDOG_REPORT_URL: where a digest's reader sees everything. */
  reportUrl?: string;
}

export type SinkMessage = { alert: Alert } | { digest: Digest };

// A batch is stored in one outbox record, and a record is one Azure Tables property (64 KiB of UTF-16):
// 20,000 characters of alerts leave room for the envelope; 50 keeps an event a receiver can take in one go.
const maxBatchChars = 20_000;
const maxBatchAlerts = 50;

export const isChatSink = (sink: WebhookSink) => sink.kind === "slack" || sink.kind === "teams";

function batches(alerts: readonly Alert[]): Alert[][] {
  const chunks: Alert[][] = [];
  let chunk: Alert[] = [];
  let chars = 0;
  for (const alert of alerts) {
    const size = JSON.stringify(alert).length;
    if (chunk.length > 0 && (chunk.length >= maxBatchAlerts || chars + size > maxBatchChars)) {
      chunks.push(chunk);
      chunk = [];
      chars = 0;
    }
    chunk.push(alert);
    chars += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/**
 * What one sink is sent for this cycle's alerts. People (slack, teams) get the alerts one by one while
 * there are at most `digestAbove` of them, else one digest; on the first cycle one baseline announcement.
 * Machines (generic) get one signed event per alert, or with `batch: true` a few events carrying lists.
 */
export function messagesFor(sink: WebhookSink, alerts: readonly Alert[], options: MessageOptions, now: Date): SinkMessage[] {
  const context = { sink: sink.name, reportUrl: options.reportUrl, now };
  if (isChatSink(sink)) {
    if (options.baseline) return [{ digest: buildDigest({ ...context, kind: "baseline", alerts, baseline: options.baseline, keep: shownItems }) }];
    if (alerts.length > (sink.digestAbove ?? defaultDigestAbove)) return [{ digest: buildDigest({ ...context, kind: "digest", alerts, keep: shownItems }) }];
    return alerts.map((alert) => ({ alert }));
  }
  if (sink.batch) return batches(alerts).map((chunk) => ({ digest: buildDigest({ ...context, kind: "batch", alerts: chunk }) }));
  return alerts.map((alert) => ({ alert }));
}
