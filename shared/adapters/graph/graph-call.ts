import { GraphError as SdkGraphError } from "@microsoft/microsoft-graph-client";
import pRetry from "p-retry";
import type { z } from "zod";
import { headerLookup, type AdaptiveLimiter, type AnswerReader } from "../pacing/index.js";
import { GraphError } from "./graph-error.js";
import type { ResolvedGraphDirectorySettings } from "./settings.js";

export interface GraphCallSpec<T> {
  operation: string;
  method: "GET" | "POST" | "DELETE";
  /** For errors: the path below the version, ids only. */
  path: string;
  /**
   * "idempotent": retried on 429, 5xx and network failures. "not-idempotent": only on 429, which Graph
   * answers before doing anything — a 5xx after addPassword may have minted a password already.
   */
  safety: "idempotent" | "not-idempotent";
  send: () => Promise<unknown>;
  schema: z.ZodType<T>;
}

const transientStatuses = new Set([429, 500, 502, 503, 504]);
// Names under which fetch reports that no answer came.
const networkFailures = new Set(["TypeError", "FetchError", "AbortError", "TimeoutError"]);

function retryAfterMs(headers: Headers | undefined): number | undefined {
  const value = headers?.get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** A non-JSON error body (a proxy's "Service unavailable."), shortened. */
function plainBody(body: unknown): string | undefined {
  return typeof body === "string" && body.trim() !== "" ? body.trim().slice(0, 200) : undefined;
}

function toGraphError(error: unknown, spec: GraphCallSpec<unknown>): GraphError {
  const base = { operation: spec.operation, method: spec.method, path: spec.path };
  if (error instanceof SdkGraphError) {
    const noAnswer = error.statusCode === undefined || error.statusCode < 0;
    return new GraphError({
      ...base,
      status: noAnswer ? -1 : error.statusCode,
      code: error.code ?? "UnknownError",
      // Without an answer the SDK's message is the underlying failure's (fetch, or the credential's).
      graphMessage: error.message || plainBody(error.body) || (noAnswer ? "no answer from Graph" : "Graph gave no message"),
      requestId: error.requestId ?? undefined,
      retryAfterMs: retryAfterMs(error.headers),
    });
  }
  const name = error instanceof Error ? error.name : "Error";
  return new GraphError({ ...base, status: -1, code: name, graphMessage: error instanceof Error ? error.message : String(error) });
}

function retryable(error: unknown, safety: GraphCallSpec<unknown>["safety"]): error is GraphError {
  if (!(error instanceof GraphError)) return false;
  if (error.status === 429) return true;
  if (safety === "not-idempotent") return false;
  return transientStatuses.has(error.status) || (error.status === -1 && networkFailures.has(error.code));
}

/** The SDK throws on every non-2xx answer; its error carries the status and the headers (Retry-After). */
const answerOf: AnswerReader<unknown> = {
  fromResult: () => ({ status: 200, headers: () => undefined }),
  fromError: (error) =>
    error instanceof SdkGraphError && error.statusCode !== undefined && error.statusCode > 0
      ? { status: error.statusCode, headers: headerLookup(error.headers ?? undefined) }
      : undefined,
};

/**
 * One Graph call through the directory's limiter (requests in flight, pauses for Retry-After, a pace that
 * adapts to 429s): retries with backoff, a zod-checked answer, a GraphError on failure.
 */
export async function callGraph<T>(settings: ResolvedGraphDirectorySettings, limiter: AdaptiveLimiter, spec: GraphCallSpec<T>): Promise<T> {
  let attempts = 0;
  let raw: unknown;
  try {
    raw = await pRetry(
      async () => {
        attempts += 1;
        try {
          return await limiter.run(spec.send, answerOf, { retry: attempts > 1 });
        } catch (error) {
          throw toGraphError(error, spec);
        }
      },
      {
        retries: settings.retry.retries,
        minTimeout: settings.retry.minTimeoutMs,
        maxTimeout: settings.retry.maxTimeoutMs,
        factor: 2,
        randomize: true,
        // Retry-After is the limiter's to keep: it holds every request of this directory, not only this one.
        shouldRetry: ({ error }) => retryable(error, spec.safety),
      },
    );
  } catch (error) {
    const failure = error instanceof GraphError ? error : toGraphError(error, spec);
    throw attempts > 1 ? failure.withAttempts(attempts) : failure;
  }
  const parsed = spec.schema.safeParse(raw);
  if (!parsed.success) {
    // Issue paths and messages only: zod leaves the input out of them, and addPassword's input holds a secret.
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new GraphError({ operation: spec.operation, method: spec.method, path: spec.path, status: 200, code: "UnexpectedResponse", graphMessage: `the answer did not match the expected shape: ${issues}` });
  }
  return parsed.data;
}
