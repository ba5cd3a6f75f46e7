/**
 * Day arithmetic for expiry and age. Days are fixed 24-hour spans measured from `now`, not calendar days:
 * a secret that expires in 29 days and 1 ms has 30 days left, so "within N days" ⟺ daysLeft ≤ N.
 */

export const DAY_MS = 86_400_000;

/** ceil((expires - now) / 1 day): positive while valid, 0 or less once expired. */
export function daysLeft(expires: Date, now: Date): number {
  // `+ 0` turns Math.ceil's -0 (the last day before expiry, seen from after it) into 0.
  return Math.ceil((expires.getTime() - now.getTime()) / DAY_MS) + 0;
}

/** floor((now - changed) / 1 day): whole days since the last change (negative if it lies in the future). */
export function ageDays(changed: Date, now: Date): number {
  return Math.floor((now.getTime() - changed.getTime()) / DAY_MS) + 0;
}

/** An ISO 8601 timestamp as a Date; undefined when absent or unparsable (outside data is often both). */
export function parseInstant(value: string | null | undefined): Date | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}
