type HeaderBag = Record<string, unknown>;

const header = (headers: HeaderBag, name: string): string | undefined => {
  const value = headers[name];
  if (typeof value === "string") return value;
  if (Array.isArray(value) && typeof value[0] === "string") return value[0];
  if (typeof value === "number") return String(value);
  return undefined;
};

/**
 * The wait a 429 asks for, in milliseconds: `Retry-After` (seconds or an HTTP date), else
 * `RateLimit-Reset`, else `X-RateLimit-Reset`. Reset headers come as delta seconds or, from some
 * servers, as a Unix time; a number too large to be a delta is read as the latter.
 */
export function requestedWaitMs(headers: HeaderBag, nowMs: number): number | undefined {
  const retryAfter = header(headers, "retry-after")?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - nowMs);
  }
  for (const name of ["ratelimit-reset", "x-ratelimit-reset"]) {
    const raw = header(headers, name)?.trim();
    if (!raw || !/^\d+(\.\d+)?$/.test(raw)) continue;
    const value = Number(raw);
    return value > 1_000_000_000 ? Math.max(0, value * 1000 - nowMs) : value * 1000;
  }
  return undefined;
}

/**
 * When CircleCI says "wait", every request of this client waits, not only the one that was told:
 * the others would only earn 429s of their own.
 */
export class PauseGate {
  private until = 0;

  pauseFor(ms: number, nowMs = Date.now()): void {
    this.until = Math.max(this.until, nowMs + ms);
  }

  async wait(): Promise<void> {
    for (let left = this.until - Date.now(); left > 0; left = this.until - Date.now()) {
      await new Promise((resolve) => setTimeout(resolve, left));
    }
  }
}
