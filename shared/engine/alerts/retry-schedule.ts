export interface RetrySchedule {
  /** Wait after the first failed cycle; doubles with each further failure. */
  baseSeconds: number;
  maxSeconds: number;
}

export const defaultRetrySchedule: RetrySchedule = { baseSeconds: 300, maxSeconds: 6 * 3600 };

/** When a record that has failed `attempts` times may be tried again: Retry-After when the sink gave one. */
export function nextAttemptAt(now: Date, attempts: number, retryAfterSeconds: number | undefined, schedule: RetrySchedule): string {
  const backoff = Math.min(schedule.baseSeconds * 2 ** Math.max(0, attempts - 1), schedule.maxSeconds);
  const seconds = retryAfterSeconds ?? backoff;
  return new Date(now.getTime() + seconds * 1000).toISOString();
}
