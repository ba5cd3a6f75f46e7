import { Webhook } from "standardwebhooks";
import type { Alert } from "../../domain/alert.js";
import { eventType } from "./alert-facts.js";

/**
 * The Standard Webhooks body: `timestamp` is when the alert was raised (stable across retries),
 * while the `webhook-timestamp` header is when this attempt was signed.
 */
export function genericBody(alert: Alert): string {
  return JSON.stringify({ type: eventType(alert), timestamp: alert.raisedAt, data: { ...alert } });
}

/** Headers of a signed delivery; throws when the secret is not a base64 ("whsec_…") key. */
export function signedHeaders(signingSecret: string, alert: Alert, sentAt: Date, body: string): Record<string, string> {
  const webhook = new Webhook(signingSecret);
  return {
    "webhook-id": alert.id,
    "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
    "webhook-signature": webhook.sign(alert.id, sentAt, body),
  };
}
