import { Webhook } from "standardwebhooks";
import type { Alert } from "../../domain/alert.js";
import type { Digest } from "../../domain/alerts/digest.js";
import { eventType } from "./alert-facts.js";

/**
 * The Standard Webhooks body: `timestamp` is when the alert was raised (stable across retries),
 * while the `webhook-timestamp` header is when this attempt was signed.
 */
export function genericBody(alert: Alert): string {
  return JSON.stringify({ type: eventType(alert), timestamp: alert.raisedAt, data: { ...alert } });
}

/**
 * One event carrying many alerts (`batch: true`): each alert keeps its own `id`, so a receiver that
 * de-duplicates per alert still can; the event's `webhook-id` is the batch's.
 */
export function genericBatchBody(digest: Digest): string {
  return JSON.stringify({
    type: "credential.batch",
    timestamp: digest.raisedAt,
    data: { id: digest.id, title: digest.title, counts: digest.counts, alerts: digest.alerts },
  });
}

/** Headers of a signed delivery; throws when the secret is not a base64 ("whsec_…") key. */
export function signedHeaders(signingSecret: string, message: { id: string }, sentAt: Date, body: string): Record<string, string> {
  const webhook = new Webhook(signingSecret);
  return {
    "webhook-id": message.id,
    "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
    "webhook-signature": webhook.sign(message.id, sentAt, body),
  };
}
