import { parseInstant } from "../time.js";

/** What a queued rotation job knows of the cycle that enqueued it: whether its inventory read every source, and when. */
export interface InventoryEvidence {
  complete: boolean;
  /** ISO 8601: when the cycle took the inventory. */
  takenAt: string;
}

/**
 * How long a cycle's complete inventory may stand in for a queued job's own. A job normally runs seconds after
 * the cycle; one older than this (a stalled queue, retries) waits for the next cycle, which enqueues it afresh
 * on a newer inventory. One hour is the default cycle period (WATCHDOG_SCHEDULE hourly).
 */
export const inventoryFreshForMs = 60 * 60_000;

/**
 * May a run decide on this inventory as the cycle would (retire an old secret)? Only when it was complete and
 * taken no longer than `inventoryFreshForMs` before `now` (and not after it: a clock far ahead is not evidence).
 */
export function inventoryStillComplete(evidence: InventoryEvidence | undefined, now: Date): boolean {
  if (!evidence?.complete) return false;
  const takenAt = parseInstant(evidence.takenAt);
  if (!takenAt) return false;
  const age = now.getTime() - takenAt.getTime();
  return age >= -60_000 && age <= inventoryFreshForMs;
}
