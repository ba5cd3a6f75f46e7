/** A dead-man's switch: a ping after each successful cycle, so silence is noticed from outside. */
export interface Heartbeat {
  /** One GET with a short timeout, never retried (the next cycle pings again); never throws. */
  ping(url: string): Promise<{ ok: true; status: number } | { ok: false; status?: number; error: string }>;
}
