import type { Alert } from "../../domain/alert.js";
import type { Digest } from "../../domain/alerts/digest.js";

interface OutboxDelivery {
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
  /** Delivered inside this merged chat digest (several due records, one message). */
  deliveredIn?: string;
}

/**
 * One message waiting for (or done with) one sink: a single alert, or a digest of many (a chat sink's
 * digest or baseline, a generic sink's batch). Only the sink's name is stored: its URL is a secret and is
 * looked up in the policy at delivery time. Delivered records stay as tombstones for a while, so
 * re-recording the same alert or digest (same id) after a crash finds the key taken and sends nothing twice.
 */
export type OutboxRecord = OutboxDelivery & ({ alert: Alert; digest?: undefined } | { digest: Digest; alert?: undefined });

/** What an outbox record is about, for audit entries and reports: the credential, or the digest. */
export function outboxSubject(record: OutboxRecord): { id: string; subject: string; kind: string; alerts: number } {
  if (record.alert) return { id: record.alert.id, subject: record.alert.credential, kind: record.alert.kind, alerts: 1 };
  return { id: record.digest.id, subject: `digest:${record.sink}`, kind: record.digest.kind, alerts: record.digest.total };
}

export function raisedAtOf(record: OutboxRecord): string {
  return record.alert ? record.alert.raisedAt : record.digest.raisedAt;
}
