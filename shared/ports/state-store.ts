/**
 * Durable state of the watchdog: the rotation/migration journal, leases, the alert ledger and outbox,
 * and the audit log. Two adapters: Azure Tables (AzureWebJobsStorage) and an embedded local store.
 */

import type { InventoryEvidence } from "../domain/rotation/inventory-evidence.js";

/** `reads`: the read model, what the last cycle (or refresh) read and decided, served to readers (see engine/read-model). */
/** `broker`: the OIDC broker's shared counters (exchanges per CircleCI token, rate windows, refusal bursts). */
export type StateTable = "journal" | "leases" | "ledger" | "outbox" | "migrations" | "health" | "reads" | "broker";

export interface StoredRecord<T> {
  key: string;
  value: T;
  /** Opaque concurrency token: pass it back as `ifMatch`. */
  etag: string;
}

export class ConcurrencyError extends Error {
  constructor(
    readonly table: StateTable,
    readonly key: string,
  ) {
    super(`state ${table}/${key} was changed by someone else (ETag mismatch)`);
    this.name = "ConcurrencyError";
  }
}

export interface PutOptions {
  /** Replace only if the stored record still has this ETag. */
  ifMatch?: string;
  /** Create only; fail with ConcurrencyError if the key exists. */
  ifNoneMatch?: "*";
}

export interface AuditEntry {
  at: string;
  /** "alert.sent", "alert.failed", "rotation.minted", … */
  event: string;
  /** Who or what asked: "timer", "cli:<user>", "http:<principal>". */
  actor: string;
  /** The credential or object concerned. */
  subject: string;
  /** Metadata only; never a secret value. */
  details?: Record<string, string | number | boolean | null>;
}

export interface StateStore {
  get<T>(table: StateTable, key: string): Promise<StoredRecord<T> | null>;
  /** Writes a JSON-serialisable value; returns the new ETag. Throws ConcurrencyError on a failed condition. */
  put<T>(table: StateTable, key: string, value: T, options?: PutOptions): Promise<string>;
  /** Idempotent unless `ifMatch` is given (then a mismatch throws ConcurrencyError). */
  delete(table: StateTable, key: string, options?: { ifMatch?: string }): Promise<void>;
  /** Every record of a table, keys in ascending order, optionally only those starting with `prefix`. */
  list<T>(table: StateTable, prefix?: string): Promise<Array<StoredRecord<T>>>;
  appendAudit(entry: AuditEntry): Promise<void>;
  /** Newest first. */
  listAudit(limit?: number): Promise<AuditEntry[]>;
}

/** Messages for the `rotation-jobs` queue (fan-out of one credential's work). */
export interface JobQueue {
  enqueue(message: RotationJobMessage): Promise<void>;
}

export interface RotationJobMessage {
  credential: string;
  /** Idempotency key: the same job enqueued twice does the work once. */
  jobId: string;
  requestedBy: string;
  reason: "schedule" | "manual";
  /**
   * The enqueuing cycle's inventory (complete or not, and when it was taken), so that the job decides as that
   * cycle would: a complete, fresh one lets it retire an old secret. Absent: the job never retires.
   */
  inventory?: InventoryEvidence;
}
