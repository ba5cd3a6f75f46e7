export interface GraphErrorDetails {
  /** What the watchdog was doing, e.g. "addPassword". */
  operation: string;
  method: string;
  /** Graph path below the version segment, ids only: never a token, never a secret. */
  path: string;
  /** HTTP status; -1 when no answer came (network failure, no token). */
  status: number;
  /** Graph's error code (e.g. Request_ResourceNotFound), or the failure's name when Graph did not answer. */
  code: string;
  /** What went wrong, in our words (never Graph's message: free text that may echo the request). */
  detail: string;
  requestId?: string;
  /** The wait Graph asked for with Retry-After, in ms. */
  retryAfterMs?: number;
  attempts?: number;
}

// Defence in depth: should anything ever echo a bearer token, it never reaches a log through us.
const jwtLike = /eyJ[\w-]{8,}\.[\w-]+\.[\w-]+/g;

const maxMessageChars = 300;

/** Scrubs, then cuts: cutting first could leave the start of a secret that crossed the cut. */
export function scrub(text: string, secrets: readonly string[] = []): string {
  let clean = text.replace(jwtLike, "[token]");
  for (const secret of secrets) if (secret.length > 0) clean = clean.split(secret).join("[redacted]");
  clean = clean.replace(/\s+/g, " ").trim();
  return clean.length > maxMessageChars ? `${clean.slice(0, maxMessageChars)}…` : clean;
}

/**
 * A failed Microsoft Graph call. It carries only what is safe to print: no request headers (the token), no
 * request or response body (addPassword's answer holds a secret), and not the SDK's own error object.
 */
export class GraphError extends Error {
  override readonly name = "GraphError";
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly requestId?: string;
  readonly retryAfterMs?: number;
  readonly attempts: number;

  constructor(details: GraphErrorDetails) {
    const detail = scrub(details.detail);
    const attempts = details.attempts ?? 1;
    const status = details.status === -1 ? "no response" : String(details.status);
    const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
    const request = details.requestId ? ` (request-id ${details.requestId})` : "";
    super(`Graph ${details.operation} failed${tries}: ${details.method} ${details.path} -> ${status} ${details.code}: ${detail}${request}`);
    this.operation = details.operation;
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.code = details.code;
    this.detail = detail;
    this.requestId = details.requestId;
    this.retryAfterMs = details.retryAfterMs;
    this.attempts = attempts;
  }

  withAttempts(attempts: number): GraphError {
    return new GraphError({ ...this, attempts });
  }
}
