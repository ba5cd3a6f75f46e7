import { z } from "zod";

const positiveInt = z.number().int().min(1);

export const circleCiStoreSettingsSchema = z.object({
  /** Base of API v2, e.g. https://circleci.com/api/v2 (CIRCLECI_API_URL). */
  apiUrl: z
    .url({ protocol: /^https?$/, error: "expected an http(s) URL" })
    .transform((u) => u.replace(/\/+$/, "")),
  /** Personal API token, sent as Circle-Token. */
  token: z.string().min(1, "expected a non-empty CircleCI token"),
  /** Organization id (UUID): the owner of the contexts listed. */
  orgId: z.guid("expected the CircleCI organization id (a UUID)"),
  /** Retries after the first attempt, for 429, 5xx, timeouts and resets. */
  retries: z.number().int().min(0).default(5),
  /** First backoff delay; it doubles per retry up to maxTimeoutMs. */
  minTimeoutMs: z.number().int().min(0).default(500),
  maxTimeoutMs: z.number().int().min(0).default(30_000),
  /** Longest wait honoured from Retry-After (and RateLimit-Reset); longer requests are cut to this. */
  maxRetryAfterSeconds: z.number().min(0).default(60),
  /** Per attempt: a request without an answer for this long is abandoned and retried. */
  timeoutMs: positiveInt.default(30_000),
  /** Requests in flight at first, across every call of one store; also where the first push-back returns it. */
  initialConcurrency: positiveInt.default(8),
  /**
   * Requests in flight at most: while CircleCI never pushes back (no 429, no published budget) the store allows one
   * more per round of answers up to this (WATCHDOG_CIRCLECI_MAX_CONCURRENCY). At or below initialConcurrency: fixed.
   */
  maxConcurrency: positiveInt.default(32),
  /** Randomize backoff (x1–x2) so that parallel callers do not retry in step. */
  jitter: z.boolean().default(true),
});

export type CircleCiStoreSettings = z.input<typeof circleCiStoreSettingsSchema>;
export type ResolvedCircleCiSettings = z.output<typeof circleCiStoreSettingsSchema>;

/** Validates settings; errors name the setting and never echo a value (the token is one). */
export function resolveCircleCiSettings(settings: CircleCiStoreSettings): ResolvedCircleCiSettings {
  const parsed = circleCiStoreSettingsSchema.safeParse(settings);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(settings)"}: ${issue.message}`);
  throw new Error(`Invalid CircleCI store settings: ${issues.join("; ")}`);
}
