import type { Alert } from "../domain/alert.js";

/** One webhook receiver of the policy (`alerts.webhooks[]`). */
export interface WebhookSink {
  name: string;
  kind: "generic" | "slack" | "teams";
  url: string;
  /** generic only: "whsec_<base64>". */
  signingSecret?: string;
}

/** What one delivery attempt ended with. */
export type DeliveryResult =
  | { ok: true; status: number }
  | { ok: false; status?: number; error: string; retryable: boolean; retryAfterSeconds?: number };

/** Sends one alert to one sink (with in-call retries for transient failures; the outbox retries across cycles). */
export interface Notifier {
  send(sink: WebhookSink, alert: Alert, sentAt: Date): Promise<DeliveryResult>;
}
