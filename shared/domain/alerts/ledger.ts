import type { AlertSource } from "../alert.js";

/**
 * What has been alerted for one credential since it last needed no attention: the memory that makes
 * each alert go out once. One entry per credential, keyed by the credential name; it goes when a
 * `resolved` notice is raised.
 */
export interface LedgerEntry {
  credential: string;
  bound: boolean;
  /** Last known source, so a credential that vanished can still be named in its `resolved` notice. */
  source: AlertSource;
  /** Id of the first alert of this episode: the `resolved` notice's id derives from it. */
  episode: string;
  openedAt: string;
  /**
   * Ids raised in this episode (the latest ones): a credential whose reported secret flips between two
   * expiry dates must not hear about the same date and threshold twice.
   */
  alerted: string[];
  /** Expiry alerts, tied to one expiry date: a rotated credential (new date) starts afresh. */
  expiry?: {
    expiresAt: string;
    /** Smallest threshold alerted so far for this date (larger ones count as done). */
    lowestThreshold?: number;
    expired: boolean;
  };
  /** A long-lived alert went out for this last change of the CircleCI variable. */
  longLived?: { lastChangedAt: string };
  /** A not-found alert went out; `since` (UTC day) tells this episode's alert from an earlier one. */
  notFound?: { since: string };
  /** An exposed alert went out for this exposure (level, restrictions and exposed variables): a change alerts again. */
  exposure?: { marker: string };
  /** A permission-missing alert went out for these gaps (each need and whether missing or unknown): other gaps alert again. */
  permission?: { marker: string };
  /** A drifted alert went out for this change of the CircleCI value (its time, or the reason when CircleCI gives none). */
  drift?: { marker: string };
  /** A blocked-by-tenant-policy alert went out for this block (its message): another block alerts again. */
  tenantPolicyBlock?: { marker: string };
}

export interface LedgerChanges {
  put: LedgerEntry[];
  /** Credential names whose entries go. */
  remove: string[];
}

