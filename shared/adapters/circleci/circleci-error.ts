import { statusWords } from "../service-words.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface CircleCiErrorDetails {
  /** What the watchdog was doing, e.g. "listContextVariables". */
  operation: string;
  method: HttpMethod;
  /** API path relative to the base URL, with its query: never the token, never a value. */
  path: string;
  /** HTTP status; undefined when no answer came (timeout, reset). */
  status?: number;
  /** Network error code (ETIMEDOUT, ECONNRESET, …) when no answer came. */
  code?: string;
  /** What went wrong, in our words (an answer of an unexpected shape, a network failure). */
  problem?: string;
  /** Worth another try: 429, 5xx, timeouts, connection resets. */
  retryable?: boolean;
  /** The wait CircleCI asked for (Retry-After and kin), in milliseconds. */
  retryAfterMs?: number;
  attempts?: number;
}

/**
 * A failed CircleCI call. It carries only what is safe to print: no request headers (the token), no
 * request body (a value), no underlying axios error — that one holds the whole request config — and nothing
 * of the answer's body: CircleCI's errors are `{"message"}` text without a code, so the status says what failed,
 * in our words.
 */
export class CircleCiError extends Error {
  override readonly name = "CircleCiError";
  readonly operation: string;
  readonly method: HttpMethod;
  readonly path: string;
  readonly status?: number;
  readonly code?: string;
  readonly problem?: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly attempts: number;

  /** `secrets` are scrubbed from the problem, should a network failure's words ever echo one. */
  constructor(details: CircleCiErrorDetails, secrets: readonly string[] = []) {
    const problem = details.problem === undefined ? undefined : scrub(details.problem, secrets);
    super(describe({ ...details, problem }));
    this.operation = details.operation;
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.code = details.code;
    this.problem = problem;
    this.retryable = details.retryable ?? false;
    this.retryAfterMs = details.retryAfterMs;
    this.attempts = details.attempts ?? 1;
  }

  /** The same failure, saying how many attempts it took to give up. */
  afterAttempts(attempts: number): CircleCiError {
    return new CircleCiError({
      operation: this.operation,
      method: this.method,
      path: this.path,
      status: this.status,
      code: this.code,
      problem: this.problem,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
      attempts,
    });
  }
}

// CircleCI's errors carry no code: where a status means something particular for its API, say so.
const circleCiWords = {
  400: "CircleCI refused the request as malformed",
  403: "the token's user may not do this",
  404: "not found, or not visible to the token's user",
};

function describe(d: CircleCiErrorDetails): string {
  const where = `CircleCI ${d.operation} failed: ${d.method} ${d.path}`;
  let what: string;
  if (d.status === undefined) {
    what = `got no answer (${d.code ?? "network error"})${d.problem ? `: ${d.problem}` : ""}`;
  } else {
    what = `answered ${d.status}: ${d.problem ?? statusWords("CircleCI", d.status, circleCiWords)}`;
  }
  const attempts = d.attempts && d.attempts > 1 ? ` (after ${d.attempts} attempts)` : "";
  // CircleCI personal API tokens expire (at most a year) and can be revoked: a 401 is almost always one of those.
  const cause =
    d.status === 401
      ? " — CircleCI refused CIRCLECI_TOKEN: it has most likely expired or been revoked. Create a new personal API token and store it where CIRCLECI_TOKEN points (its Key Vault secret); nothing else changes"
      : "";
  return `${where} ${what}${attempts}${cause}`;
}

const maxMessageChars = 200;

/** Scrubs, then cuts: cutting first could leave the start of a value that crossed the cut. */
function scrub(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret) result = result.split(secret).join("[redacted]");
  }
  result = result.replace(/\s+/g, " ").trim();
  return result.length > maxMessageChars ? `${result.slice(0, maxMessageChars)}…` : result;
}
