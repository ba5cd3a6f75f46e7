import axios, { type AxiosError } from "axios";
import pRetry, { AbortError } from "p-retry";
import { describeSink, redactUrlParts } from "../../domain/alerts/redact.js";
import { asErrorCode } from "../service-words.js";
import type { DeliveryResult, WebhookSink } from "../../ports/notifier.js";
import { parseRetryAfter } from "./retry-after.js";
import { DESTINATION_REFUSED, type GuardedAgents } from "./destination-guard.js";

export interface PostOptions {
  timeoutMs: number;
  /** Extra attempts within one send, for 5xx, 408, 429 and network errors. */
  retries: number;
  minRetryDelayMs: number;
  maxRetryDelayMs: number;
  /** A longer Retry-After ends the call: the outbox schedules the next attempt instead of blocking a cycle. */
  maxRetryAfterSeconds: number;
  sleep: (ms: number) => Promise<void>;
  userAgent: string;
  /** Agents whose lookup refuses addresses inside the network (destination-guard.ts). */
  agents: GuardedAgents;
}

export interface WebhookRequest {
  body: string;
  headers: Record<string, string>;
}

type Failure = Extract<DeliveryResult, { ok: false }>;

const retryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * An error body that is an error code (Slack answers e.g. "invalid_blocks"), never free text: a receiver's page or
 * message may echo the request.
 */
function bodyCode(data: unknown): string {
  const code = typeof data === "string" ? asErrorCode(data.trim()) : undefined;
  return code ? `: ${code}` : "";
}

function networkReason(error: unknown, sink: WebhookSink, timeoutMs: number): string {
  const axiosError = error as Partial<AxiosError>;
  const code = axiosError.code;
  // Our own words (destination-guard.ts): the host and the kind of address, never the URL's path.
  if (code === DESTINATION_REFUSED && error instanceof Error) return redactUrlParts(error.message, sink.url);
  if (code === "ECONNABORTED" || code === "ETIMEDOUT") return `no answer within ${timeoutMs} ms (${code})`;
  if (code) return `request failed (${code})`;
  // Unknown errors may quote the request: never let the URL's path or query through.
  return `request failed (${redactUrlParts(error instanceof Error ? error.message : String(error), sink.url)})`;
}

async function postOnce(sink: WebhookSink, request: WebhookRequest, options: PostOptions, now: Date): Promise<DeliveryResult> {
  try {
    const response = await axios.post<unknown>(sink.url, request.body, {
      headers: { "content-type": "application/json", "user-agent": options.userAgent, ...request.headers },
      timeout: options.timeoutMs,
      // A redirect would re-send the alert to a host the policy did not name.
      maxRedirects: 0,
      // Connect directly, through the guarded lookup: behind a proxy the address checked would not be the one reached.
      proxy: false,
      httpAgent: options.agents.httpAgent,
      httpsAgent: options.agents.httpsAgent,
      validateStatus: () => true,
      responseType: "text",
      // The body was signed as these exact bytes: no re-serialisation.
      transformRequest: [(data: unknown) => data],
      transformResponse: [(data: unknown) => data],
    });
    const status = response.status;
    if (status >= 200 && status < 300) return { ok: true, status };
    const retryAfterSeconds = parseRetryAfter(response.headers["retry-after"], now);
    return {
      ok: false,
      status,
      error: `${describeSink(sink)} answered HTTP ${status}${bodyCode(response.data)}`,
      retryable: retryableStatus(status),
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    };
  } catch (error) {
    const refused = (error as Partial<AxiosError>).code === DESTINATION_REFUSED;
    return { ok: false, error: `${describeSink(sink)}: ${networkReason(error, sink, options.timeoutMs)}`, retryable: !refused };
  }
}

/**
 * POSTs with a few quick retries for transient failures, honouring Retry-After; p-retry runs the
 * attempts, every wait goes through `options.sleep` so tests need not wait.
 */
export async function postWithRetry(sink: WebhookSink, request: WebhookRequest, options: PostOptions, now: Date): Promise<DeliveryResult> {
  let last: Failure | undefined;
  try {
    return await pRetry(
      async () => {
        const result = await postOnce(sink, request, options, now);
        if (result.ok) return result;
        last = result;
        const waitTooLong = (result.retryAfterSeconds ?? 0) > options.maxRetryAfterSeconds;
        if (!result.retryable || waitTooLong) throw new AbortError(result.error);
        throw new Error(result.error);
      },
      {
        retries: options.retries,
        minTimeout: 0,
        onFailedAttempt: async ({ attemptNumber, retriesLeft }) => {
          if (retriesLeft <= 0) return;
          const backoff = Math.min(options.minRetryDelayMs * 2 ** (attemptNumber - 1), options.maxRetryDelayMs);
          const retryAfter = (last?.retryAfterSeconds ?? 0) * 1000;
          await options.sleep(Math.max(backoff, retryAfter));
        },
      },
    );
  } catch (error) {
    return last ?? { ok: false, error: `${describeSink(sink)}: ${networkReason(error, sink, options.timeoutMs)}`, retryable: true };
  }
}
