import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import axios, { type AxiosInstance, type AxiosResponse } from "axios";
import pRetry from "p-retry";
import type { z } from "zod";
import { AdaptiveLimiter, headerLookup, requestedWaitMs, type AnswerReader } from "../pacing/index.js";
import { CircleCiError, type HttpMethod } from "./circleci-error.js";
import type { ResolvedCircleCiSettings } from "./settings.js";

export interface CallSpec<T> {
  operation: string;
  method: HttpMethod;
  /** Absolute base (API v2 or v1.1) the path is relative to. */
  base: string;
  /** Path below the base, segments already encoded. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  schema: z.ZodType<T>;
  /** Values travelling in this request, scrubbed from any error should the server echo them. */
  secrets?: string[];
}

const retryableCodes = new Set(["ECONNRESET", "ETIMEDOUT", "ECONNABORTED", "EPIPE", "ECONNREFUSED", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH", "ERR_SOCKET_CONNECTION_TIMEOUT", "ERR_NETWORK"]);

/** The limiter reads status and limit headers; a request that got no answer tells it nothing. */
const answerOf: AnswerReader<AxiosResponse<string>> = {
  fromResult: (response) => ({ status: response.status, headers: headerLookup(response.headers as Record<string, unknown>) }),
  fromError: () => undefined,
};

/**
 * Every CircleCI request: keep-alive connections, a limiter that bounds requests in flight and adapts its
 * pace to 429s, Retry-After and RateLimit-* headers (CircleCI publishes no limits), retries with backoff,
 * zod-checked answers, and errors that carry neither token nor value.
 */
export class CircleCiHttp {
  private readonly client: AxiosInstance;
  private readonly limiter: AdaptiveLimiter;

  constructor(private readonly settings: ResolvedCircleCiSettings) {
    this.limiter = new AdaptiveLimiter({ maxConcurrency: settings.maxConcurrency, initialConcurrency: settings.initialConcurrency, maxPauseMs: settings.maxRetryAfterSeconds * 1000 });
    this.client = axios.create({
      timeout: settings.timeoutMs,
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: settings.maxConcurrency }),
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: settings.maxConcurrency }),
      headers: { "Circle-Token": settings.token, Accept: "application/json", "User-Agent": "secret-watchdog" },
      // Statuses are judged here, not by axios; bodies are parsed here so plain-text errors survive.
      validateStatus: () => true,
      responseType: "text",
      transformResponse: [(data: unknown) => data],
      // A redirect would carry Circle-Token to wherever it points.
      maxRedirects: 0,
      transitional: { clarifyTimeoutError: true },
    });
  }

  async call<T>(spec: CallSpec<T>): Promise<T> {
    let attempts = 0;
    try {
      return await pRetry(
        async () => {
          attempts += 1;
          const response = await this.limiter.run(() => this.send(spec), answerOf, { retry: attempts > 1 });
          return this.interpret(spec, response);
        },
        {
          retries: this.settings.retries,
          minTimeout: this.settings.minTimeoutMs,
          maxTimeout: this.settings.maxTimeoutMs,
          factor: 2,
          randomize: this.settings.jitter,
          // The wait a 429 asked for is the limiter's to keep: it holds every request of this client, not only this one.
          shouldRetry: ({ error }) => error instanceof CircleCiError && error.retryable,
        },
      );
    } catch (error) {
      if (error instanceof CircleCiError) throw attempts > 1 ? error.afterAttempts(attempts) : error;
      throw this.failure(spec, { problem: `unexpected failure: ${error instanceof Error ? error.message : String(error)}` });
    }
  }

  /**
   * Every item of a paged listing, following next_page_token until it is null. A token seen before, or (with
   * `identity`) an item seen before, ends the listing with an error: a server that pages in a loop would never stop.
   */
  async allPages<T>(
    spec: Omit<CallSpec<{ items: T[]; next_page_token?: string | null }>, "method"> & { identity?: (item: T) => string },
  ): Promise<T[]> {
    const items: T[] = [];
    const seen = new Set<string>();
    const seenItems = new Set<string>();
    let token: string | undefined;
    do {
      const query = { ...spec.query, ...(token ? { "page-token": token } : {}) };
      const page = await this.call({ ...spec, method: "GET", query });
      for (const item of spec.identity ? page.items : []) {
        const key = spec.identity!(item);
        if (seenItems.has(key)) throw this.failure({ ...spec, method: "GET", query }, { status: 200, problem: "the listing repeats an item of an earlier page" });
        seenItems.add(key);
      }
      items.push(...page.items);
      token = page.next_page_token ?? undefined;
      if (token && seen.has(token)) {
        throw this.failure({ ...spec, method: "GET", query }, { status: 200, problem: "next_page_token repeats an earlier page" });
      }
      if (token) seen.add(token);
    } while (token);
    return items;
  }

  private async send<T>(spec: CallSpec<T>): Promise<AxiosResponse<string>> {
    try {
      return await this.client.request<string>({
        method: spec.method,
        url: `${spec.base}${spec.path}`,
        params: spec.query,
        data: spec.body,
      });
    } catch (error) {
      // Never rethrow the axios error: its config holds the token and the body holds a value.
      const code = axios.isAxiosError(error) ? error.code : undefined;
      const detail = error instanceof Error ? error.message : String(error);
      throw this.failure(spec, { code: code ?? "ERR_NETWORK", problem: detail, retryable: code !== undefined && retryableCodes.has(code) });
    }
  }

  private interpret<T>(spec: CallSpec<T>, response: AxiosResponse<string>): T {
    const { status } = response;
    const text = typeof response.data === "string" ? response.data : "";
    if (status >= 200 && status < 300) {
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        throw this.failure(spec, { status, problem: "the answer is not JSON" });
      }
      const parsed = spec.schema.safeParse(body);
      if (!parsed.success) {
        const fields = parsed.error.issues.map((i) => `${fieldPath(i.path)}: ${i.message}`);
        throw this.failure(spec, { status, problem: `unexpected answer: ${fields.join("; ")}` });
      }
      return parsed.data;
    }
    const retryable = status === 429 || status >= 500;
    const retryAfterMs = status === 429 ? requestedWaitMs(response.headers, Date.now()) : undefined;
    throw this.failure(spec, { status, retryable, retryAfterMs });
  }

  private failure<T>(
    spec: Pick<CallSpec<T>, "operation" | "method" | "path" | "query" | "secrets">,
    details: { status?: number; code?: string; problem?: string; retryable?: boolean; retryAfterMs?: number },
  ): CircleCiError {
    const query = spec.query && Object.keys(spec.query).length ? `?${new URLSearchParams(spec.query).toString()}` : "";
    return new CircleCiError(
      { operation: spec.operation, method: spec.method, path: `${spec.path}${query}`, ...details },
      [this.settings.token, ...(spec.secrets ?? [])],
    );
  }
}

function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return "(body)";
  return path
    .map((key, i) => (typeof key === "number" ? `[${key}]` : `${i === 0 ? "" : "."}${String(key)}`))
    .join("");
}
