/**
 * Day arithmetic for expiry and age. Days are fixed 24-hour spans measured from `now`, not calendar days:
 * a secret that expires in 29 days and 1 ms has 30 days left, so "within N days" ⟺ daysLeft ≤ N.
 */

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

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

// ISO 8601 / RFC 3339 date-time with a mandatory zone: `Z`, or an offset whose hour may lack its leading zero
// (Graph's own documentation shows `2021-04-01T00:00:00-8:00`), and 0 to 7 fraction digits (.NET's DateTimeOffset).
const isoDateTime = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(?:([Zz])|([+-])(\d{1,2}):?(\d{2}))$/;

/**
 * A timestamp from another system read strictly: every form above, and nothing else (no local time, no
 * date alone, no out-of-range field). Undefined means "cannot tell", which callers must treat as unknown.
 */
export function parseIsoDateTime(text: string): Date | undefined {
  const match = isoDateTime.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const millis = Number((match[7] ?? "").padEnd(3, "0").slice(0, 3));
  const offsetMinutes = match[8] ? 0 : (match[9] === "-" ? -1 : 1) * (Number(match[10]) * 60 + Number(match[11]));
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  if (Number(match[11] ?? 0) > 59 || Math.abs(offsetMinutes) > 14 * 60) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC rolls 31 February over into March: a day past the month's end is malformed, not a later date.
  if (new Date(local).getUTCDate() !== day) return undefined;
  return new Date(local - offsetMinutes * 60_000);
}
