import type { Alert } from "../domain/alert.js";
import type { Digest } from "../domain/alerts/digest.js";

/** One webhook receiver of the policy (`alerts.webhooks[]`). */
export interface WebhookSink {
  name: string;
  kind: "generic" | "slack" | "teams";
  url: string;
  /** generic only: "whsec_<base64>". */
  signingSecret?: string;
  /** slack/teams: more alerts due than this go out as one digest message (default 3). */
  digestAbove?: number;
  /** generic: one signed event carrying the list of due alerts instead of one event per alert. */
  batch?: boolean;
}

/** What one delivery attempt ended with. */
export type DeliveryResult =
  | { ok: true; status: number }
  | { ok: false; status?: number; error: string; retryable: boolean; retryAfterSeconds?: number };

/** Sends one alert to one sink (with in-call retries for transient failures; the outbox retries across cycles). */
export interface Notifier {
  send(sink: WebhookSink, alert: Alert, sentAt: Date): Promise<DeliveryResult>;
  /** Sends many alerts as one message: a digest for people (slack, teams), a batch event (generic). */
  sendDigest(sink: WebhookSink, digest: Digest, sentAt: Date): Promise<DeliveryResult>;
}
