import type { Alert } from "../../domain/alert.js";

/**
 * One alert waiting for (or done with) one sink. Only the sink's name is stored: its URL is a secret
 * and is looked up in the policy at delivery time. Delivered records stay as tombstones for a while,
 * so re-recording the same alert (same id) after a crash finds the key taken and sends nothing twice.
 */
export interface OutboxRecord {
  alert: Alert;
  sink: string;
  state: "pending" | "delivered";
  attempts: number;
  createdAt: string;
  nextAttemptAt: string;
  /** A deliverer holds the record until then, so two deliverers never send the same record at once. */
  claimedUntil?: string;
  lastAttemptAt?: string;
  lastStatus?: number;
  lastError?: string;
  deliveredAt?: string;
}
