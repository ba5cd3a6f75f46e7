/** Looks a response header up by its lower-case name. */
export type HeaderLookup = (name: string) => string | undefined;

/** Header bags as clients hand them over: axios' plain objects, fetch's `Headers`. */
export type HeaderSource = Record<string, unknown> | { get(name: string): string | null } | undefined;

export function headerLookup(headers: HeaderSource): HeaderLookup {
  if (!headers) return () => undefined;
  if (typeof headers.get === "function") {
    const bag = headers as { get(name: string): string | null };
    return (name) => bag.get(name) ?? undefined;
  }
  const bag = headers as Record<string, unknown>;
  return (name) => {
    const value = bag[name];
    if (typeof value === "string") return value;
    if (Array.isArray(value) && typeof value[0] === "string") return value[0];
    if (typeof value === "number") return String(value);
    return undefined;
  };
}

const number = (raw: string | undefined): number | undefined => {
  const text = raw?.trim();
  return text && /^\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
};

/** Reset headers come as delta seconds or, from some servers, as a Unix time; a number too large to be a delta is the latter. */
const resetToMs = (value: number, nowMs: number): number => (value > 1_000_000_000 ? Math.max(0, value * 1000 - nowMs) : value * 1000);

/** The structured `RateLimit` header of the IETF drafts: `"default";r=50;t=30` or `limit=100, remaining=50, reset=30`. */
function structuredRateLimit(raw: string | undefined): { remaining?: number; reset?: number } {
  if (!raw) return {};
  const param = (names: string[]) => {
    for (const name of names) {
      const match = new RegExp(`(?:^|[;,\\s])${name}=(\\d+(?:\\.\\d+)?)`).exec(raw);
      if (match) return Number(match[1]);
    }
    return undefined;
  };
  return { remaining: param(["r", "remaining"]), reset: param(["t", "reset"]) };
}

/**
 * The wait a 429 (or a throttling 503) asks for, in milliseconds: `Retry-After` (seconds or an HTTP date),
 * else `RateLimit-Reset`, else `X-RateLimit-Reset`, else the reset of a structured `RateLimit` header.
 */
export function requestedWaitMs(headers: HeaderSource | HeaderLookup, nowMs: number): number | undefined {
  const get = typeof headers === "function" ? headers : headerLookup(headers);
  const retryAfter = get("retry-after")?.trim();
  if (retryAfter) {
    const seconds = number(retryAfter);
    if (seconds !== undefined) return seconds * 1000;
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - nowMs);
  }
  for (const name of ["ratelimit-reset", "x-ratelimit-reset"]) {
    const value = number(get(name));
    if (value !== undefined) return resetToMs(value, nowMs);
  }
  const reset = structuredRateLimit(get("ratelimit")).reset;
  return reset === undefined ? undefined : reset * 1000;
}

/**
 * What is left of the server's request budget, when it says so on an answer (`RateLimit-Remaining` +
 * `RateLimit-Reset`, their `X-` forms, or the structured `RateLimit` header): requests left, and when the
 * budget refills.
 */
export function remainingBudget(get: HeaderLookup, nowMs: number): { remaining: number; resetInMs: number } | undefined {
  for (const prefix of ["ratelimit-", "x-ratelimit-"]) {
    const remaining = number(get(`${prefix}remaining`));
    const reset = number(get(`${prefix}reset`));
    if (remaining !== undefined && reset !== undefined) return { remaining, resetInMs: resetToMs(reset, nowMs) };
  }
  const structured = structuredRateLimit(get("ratelimit"));
  if (structured.remaining !== undefined && structured.reset !== undefined) {
    return { remaining: structured.remaining, resetInMs: structured.reset * 1000 };
  }
  return undefined;
}
