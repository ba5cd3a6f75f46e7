import { DAY_MS, HOUR_MS } from "../time.js";

const duration = /^P(?!$)(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?=\d)(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * An ISO 8601 duration (Graph's Duration, e.g. "P90D", "P4DT12H30M5S") in ms, counted short: a year as 365 days
 * and a month as 28, because Microsoft does not say how Entra counts them and a lifetime within the shortest
 * reading is within every reading. Undefined when the text is not a duration.
 */
export function shortestDurationMs(text: string): number | undefined {
  const m = duration.exec(text.trim());
  if (!m) return undefined;
  const n = (i: number) => Number(m[i] ?? 0);
  return n(1) * 365 * DAY_MS + n(2) * 28 * DAY_MS + n(3) * 7 * DAY_MS + n(4) * DAY_MS + n(5) * HOUR_MS + n(6) * 60_000 + n(7) * 1000;
}
