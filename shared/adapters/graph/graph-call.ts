import { GraphError as SdkGraphError } from "@microsoft/microsoft-graph-client";
import pRetry from "p-retry";
import { z } from "zod";
import { headerLookup, type AdaptiveLimiter, type AnswerReader } from "../pacing/index.js";
import { GraphError } from "./graph-error.js";
import type { ResolvedGraphDirectorySettings } from "./settings.js";
import { asErrorCode, statusWords } from "../service-words.js";

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

/** Graph's error envelope, as the SDK keeps it in `body` when an error status came with one: its code alone is read. */
const graphErrorBody = z.object({ code: z.string() });

/** Graph's error code from an error status's body (never its message: free text that may echo the request). */
function errorCode(error: SdkGraphError): string | undefined {
  if (typeof error.body !== "string" || error.body.trim() === "") return undefined;
  try {
    const shaped = graphErrorBody.safeParse(JSON.parse(error.body));
    return shaped.success ? shaped.data.code : undefined;
  } catch {
    // A plain-text answer to an error status (a proxy's page): the status says enough.
    return undefined;
  }
}

/**
 * The words of a GraphError are the status, Graph's error code from an error status's body, and our own — never
 * Graph's message, never the SDK's message for an answer it could not read (V8's JSON parse errors quote the body,
 * and addPassword's body holds the new secret), nor the message of a failure that came without an answer.
 */
function toGraphError(error: unknown, spec: GraphCallSpec<unknown>): GraphError {
  const base = { operation: spec.operation, method: spec.method, path: spec.path };
  if (error instanceof SdkGraphError) {
    const status = error.statusCode;
    const requestId = error.requestId ?? undefined;
    if (status === undefined || status < 0) return withoutAnswer(base, asErrorCode(error.code) ?? "NoAnswer");
    if (status >= 200 && status < 300) {
      return new GraphError({ ...base, status, code: "UnreadableResponse", detail: "Graph answered, but the answer could not be read", requestId });
    }
    return new GraphError({
      ...base,
      status,
      code: asErrorCode(errorCode(error)) ?? "UnknownError",
      detail: statusWords("Graph", status, { 403: "the identity lacks the permission or role for this" }),
      requestId,
      retryAfterMs: retryAfterMs(error.headers),
    });
  }
  return withoutAnswer(base, error instanceof Error ? (asErrorCode(error.name) ?? "Error") : "Error");
}

/** A network failure or the credential's: its class names it; its message may quote a token endpoint's answer. */
function withoutAnswer(base: { operation: string; method: string; path: string }, name: string): GraphError {
  const tokenFailure = /Credential|Authentication/.test(name);
  return new GraphError({ ...base, status: -1, code: name, detail: tokenFailure ? "no token for Graph: check the managed identity or the AZURE_* settings" : "no answer from Graph" });
}

// Names of error codes and error classes: never free text.

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
    throw new GraphError({ operation: spec.operation, method: spec.method, path: spec.path, status: 200, code: "UnexpectedResponse", detail: `the answer did not match the expected shape: ${issues}` });
  }
  return parsed.data;
}
