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
}

interface KnobState {
  knobs: FaultKnobs;
  seen: number;
  failuresLeft: number;
  tokens: number;
  refilledAt: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class FaultInjector {
  private readonly byRoute = new Map<string, KnobState>();
  /** How many 429s and failures were injected, for assertions and benchmarks. */
  readonly injected = { rateLimited: 0, failed: 0 };

  set(route: string, knobs: FaultKnobs): void {
    this.byRoute.set(route, {
      knobs,
      seen: 0,
      failuresLeft: knobs.failTimes ?? 0,
      tokens: knobs.rateLimitPerSecond ?? 0,
      refilledAt: Date.now(),
    });
  }

  /** Milliseconds to hold an already-handled answer on this route (see `replyDelayMs`). */
  replyDelay(route: string): number {
    return this.byRoute.get(route)?.knobs.replyDelayMs ?? this.byRoute.get("*")?.knobs.replyDelayMs ?? 0;
  }

  clear(route?: string): void {
    if (route) this.byRoute.delete(route);
    else this.byRoute.clear();
  }

  async apply(route: string, shape: ErrorShaper): Promise<EmulatorReply | undefined> {
    for (const key of [route, "*"]) {
      const state = this.byRoute.get(key);
      if (!state) continue;
      const reply = await this.applyOne(state, shape);
      if (reply) return reply;
    }
    return undefined;
  }

  private async applyOne(state: KnobState, shape: ErrorShaper): Promise<EmulatorReply | undefined> {
    const { knobs } = state;
    state.seen += 1;
    if (knobs.latencyMs) await sleep(knobs.latencyMs);
    if (knobs.hangMs) await sleep(knobs.hangMs);
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
