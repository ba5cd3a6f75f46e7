import type { EmulatorReply, ErrorShaper } from "./emulator.js";

/** What can go wrong on a route (or on every route, with the name "*"). */
export interface FaultKnobs {
  /** Added to every matching request, in milliseconds. */
  latencyMs?: number;
  /** Every Nth matching request is answered 429 with Retry-After. */
  rateLimitEvery?: number;
  /** Sustained rate above which requests are answered 429 (token bucket, per second). */
  rateLimitPerSecond?: number;
  /** Retry-After seconds sent with an injected 429 (default 1). */
  retryAfterSeconds?: number;
  /** The next N matching requests fail with `failStatus` (default 503). */
  failTimes?: number;
  failStatus?: number;
  /** Injected errors come as plain text (`Rate limited.`) instead of the API's JSON shape. */
  plainText?: boolean;
  /** Hold the request this long before handling it: longer than a client's timeout makes a timeout, and nothing happened server-side. */
  hangMs?: number;
  /** Handle the request, then hold the answer this long: the change is made but the client has not heard of it (a crash "after the call"). */
  replyDelayMs?: number;
  /**
   * The next N matching requests are handled (the change is made), then their 2xx JSON answer reaches the client
   * spoiled: "truncated" loses its last tenth (a connection cut mid-body, a proxy's buffer limit), "malformed" gets
   * a stray character before the first value (a proxy that rewrites bodies). The fields early in the body, such as
   * a secret's `value` or `secretText`, survive: SDKs then throw parse errors whose messages quote the body, which
   * is how a value could reach a log (Azure core-client's deserialization error embeds `bodyAsText`; V8's
   * JSON.parse messages quote the text around the fault).
   */
  spoilSuccessTimes?: number;
  spoilSuccess?: "truncated" | "malformed";
  /**
   * The next N matching requests are answered with `failStatus` (default 400) and an error message that quotes
   * the request body (an API or WAF that echoes what it refused): the value sent comes back in an error body.
   */
  echoRequestTimes?: number;
  /**
   * The next N matching requests are handled (the change is made) and then the answer is lost: "drop" closes
   * the connection without an answer, "error" answers `lostAnswerStatus` (default 503) in the API's shape.
   * Any write can end this way on a real network or behind a real gateway: a 5xx or a reset does not say
   * whether the change was applied (Azure REST API guidelines, "Retry" and idempotency:
   * https://github.com/microsoft/api-guidelines/blob/vNext/azure/Guidelines.md — clients must be able to retry
   * safely). With `replyDelayMs` beyond the client's timeout, the same is a timeout.
   */
  lostAnswers?: number;
  lostAnswerMode?: "drop" | "error";
  lostAnswerStatus?: number;
}

/**
 * A limit shared by several routes: at most `limit` requests per `windowMs`, counted together (Graph counts an
 * app's writes to applications together, whatever the app written to; CircleCI its variable writes). Over it, a
 * request is answered 429 before anything is done, with Retry-After in whole seconds until the window ends.
 * Sources: Graph throttling, 429 with Retry-After (https://learn.microsoft.com/en-us/graph/throttling) and
 * identity writes limited apart from reads (https://learn.microsoft.com/en-us/graph/throttling-limits#identity-and-access-service-limits);
 * CircleCI's rate limits (https://circleci.com/docs/api-developers-guide/#rate-limits) and the 429 its OpenAPI
 * document lists on the context variable PUT/DELETE. The real budgets are unknown (sandbox/README.md, known unknowns).
 */
export interface SharedBudget {
  routes: readonly string[];
  limit: number;
  windowMs: number;
}

interface BudgetState {
  budget: SharedBudget;
  windowStart: number;
  used: number;
}

interface KnobState {
  knobs: FaultKnobs;
  seen: number;
  failuresLeft: number;
  spoilsLeft: number;
  echoesLeft: number;
  lostAnswersLeft: number;
  tokens: number;
  refilledAt: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class FaultInjector {
  private readonly byRoute = new Map<string, KnobState>();
  private readonly budgets = new Map<string, BudgetState>();
  /** How many 429s and failures were injected, for assertions and benchmarks. */
  readonly injected = { rateLimited: 0, failed: 0, spoiled: 0, lostAnswers: 0 };

  set(route: string, knobs: FaultKnobs): void {
    this.byRoute.set(route, {
      knobs,
      seen: 0,
      failuresLeft: knobs.failTimes ?? 0,
      spoilsLeft: knobs.spoilSuccessTimes ?? 0,
      echoesLeft: knobs.echoRequestTimes ?? 0,
      lostAnswersLeft: knobs.lostAnswers ?? 0,
      tokens: knobs.rateLimitPerSecond ?? 0,
      refilledAt: Date.now(),
    });
  }

  /** Milliseconds to hold an already-handled answer on this route (see `replyDelayMs`). */
  replyDelay(route: string): number {
    return this.byRoute.get(route)?.knobs.replyDelayMs ?? this.byRoute.get("*")?.knobs.replyDelayMs ?? 0;
  }

  /** The answer as the client receives it: a 2xx JSON body spoiled while `spoilSuccessTimes` lasts (see there). */
  spoil(route: string, reply: EmulatorReply): EmulatorReply {
    if (reply.status < 200 || reply.status >= 300 || reply.json === undefined) return reply;
    const state = [this.byRoute.get(route), this.byRoute.get("*")].find((s) => s !== undefined && s.spoilsLeft > 0);
    if (!state) return reply;
    state.spoilsLeft -= 1;
    this.injected.spoiled += 1;
    const text = JSON.stringify(reply.json);
    const spoiled = state.knobs.spoilSuccess === "malformed" ? text.replace(/("(?:[^"\\]|\\.)*"\s*:)/, "$1x") : text.slice(0, Math.max(1, Math.floor(text.length * 0.9)));
    const { json: _json, ...rest } = reply;
    return { ...rest, headers: { ...(reply.headers ?? {}), "content-type": "application/json; charset=utf-8" }, text: spoiled };
  }

  /** After the route handled a request: how its answer is lost, if it is (consumes one of `lostAnswers`). */
  loseAnswer(route: string): { mode: "drop" | "error"; status: number } | undefined {
    for (const key of [route, "*"]) {
      const state = this.byRoute.get(key);
      if (!state || state.lostAnswersLeft <= 0) continue;
      state.lostAnswersLeft -= 1;
      this.injected.lostAnswers += 1;
      return { mode: state.knobs.lostAnswerMode ?? "drop", status: state.knobs.lostAnswerStatus ?? 503 };
    }
    return undefined;
  }

  clear(route?: string): void {
    if (route) this.byRoute.delete(route);
    else {
      this.byRoute.clear();
      this.budgets.clear();
    }
  }

  /** A limit several routes share (see `SharedBudget`); `undefined` removes it. */
  setBudget(name: string, budget: SharedBudget | undefined): void {
    if (budget === undefined) this.budgets.delete(name);
    else this.budgets.set(name, { budget, windowStart: Date.now(), used: 0 });
  }

  /** A 429 when a shared budget of this route is spent in the current window (consumes one request otherwise). */
  private overBudget(route: string, shape: ErrorShaper): EmulatorReply | undefined {
    for (const state of this.budgets.values()) {
      if (!state.budget.routes.includes(route)) continue;
      const now = Date.now();
      if (now - state.windowStart >= state.budget.windowMs) {
        state.windowStart = now;
        state.used = 0;
      }
      if (state.used < state.budget.limit) {
        state.used += 1;
        continue;
      }
      this.injected.rateLimited += 1;
      const retryAfter = String(Math.max(1, Math.ceil((state.windowStart + state.budget.windowMs - now) / 1000)));
      const base = shape(429, "Rate limit exceeded.");
      return { ...base, headers: { ...(base.headers ?? {}), "retry-after": retryAfter } };
    }
    return undefined;
  }

  /** `body` reads the request body, only for a knob that echoes it. */
  async apply(route: string, shape: ErrorShaper, body: () => Promise<Buffer> = async () => Buffer.alloc(0)): Promise<EmulatorReply | undefined> {
    const throttled = this.overBudget(route, shape);
    if (throttled) return throttled;
    for (const key of [route, "*"]) {
      const state = this.byRoute.get(key);
      if (!state) continue;
      const reply = await this.applyOne(state, shape, body);
      if (reply) return reply;
    }
    return undefined;
  }

  private async applyOne(state: KnobState, shape: ErrorShaper, body: () => Promise<Buffer>): Promise<EmulatorReply | undefined> {
    const { knobs } = state;
    state.seen += 1;
    if (knobs.latencyMs) await sleep(knobs.latencyMs);
    if (knobs.hangMs) await sleep(knobs.hangMs);
    if (state.echoesLeft > 0) {
      state.echoesLeft -= 1;
      this.injected.failed += 1;
      const status = knobs.failStatus ?? 400;
      const quoted = `The request was refused: ${(await body()).toString("utf8")}`;
      return knobs.plainText ? { status, text: quoted } : shape(status, quoted);
    }
    if (state.failuresLeft > 0) {
      state.failuresLeft -= 1;
      this.injected.failed += 1;
      const status = knobs.failStatus ?? 503;
      return knobs.plainText ? { status, text: "Service unavailable." } : shape(status, "Injected failure.");
    }
    let limited = knobs.rateLimitEvery !== undefined && state.seen % knobs.rateLimitEvery === 0;
    if (!limited && knobs.rateLimitPerSecond) {
      const now = Date.now();
      state.tokens = Math.min(
        knobs.rateLimitPerSecond,
        state.tokens + ((now - state.refilledAt) / 1000) * knobs.rateLimitPerSecond,
      );
      state.refilledAt = now;
      if (state.tokens >= 1) state.tokens -= 1;
      else limited = true;
    }
    if (limited) {
      this.injected.rateLimited += 1;
      const retryAfter = String(knobs.retryAfterSeconds ?? 1);
      const base = knobs.plainText ? { status: 429, text: "Rate limited." } : shape(429, "Rate limit exceeded.");
      return { ...base, headers: { ...(base.headers ?? {}), "retry-after": retryAfter } };
    }
    return undefined;
  }
}
