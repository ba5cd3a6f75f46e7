// The adaptive limiter's own promises, held with plain tasks (no server): the adapter tests (circleci-adapter,
// graph-adapter, scale-rate-limit-headers) hold the same limiter against the emulators. These pin what swapping the
// queue underneath (Bottleneck for p-queue, issue 13's memory target) must keep: the bound on requests in flight,
// a pause that holds every queued request, and retries started ahead of first attempts.
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { AdaptiveLimiter, type AnswerReader, type ServerAnswer } from "#shared/adapters/pacing/index.js";

const headers = (values: Record<string, string>) => (name: string) => values[name.toLowerCase()];
const answered = (answer: ServerAnswer): AnswerReader<ServerAnswer> => ({ fromResult: (result) => result, fromError: () => answer });
const ok: ServerAnswer = { status: 200, headers: headers({}) };
const reader = answered(ok);

describe("AdaptiveLimiter", () => {
  it("never has more requests in flight than its concurrency", async () => {
    const limiter = new AdaptiveLimiter({ maxConcurrency: 3, maxPauseMs: 1_000 });
    let inFlight = 0;
    let most = 0;
    const task = async () => {
      most = Math.max(most, ++inFlight);
      await sleep(5);
      inFlight -= 1;
      return ok;
    };
    await Promise.all(Array.from({ length: 20 }, () => limiter.run(task, reader)));
    expect(most).toBe(3);
    expect(limiter.stats.requests).toBe(20);
  });

  it("holds every request during the pause a 429's Retry-After asks for, then goes on", async () => {
    const limiter = new AdaptiveLimiter({ maxConcurrency: 2, maxPauseMs: 5_000 });
    const throttled: ServerAnswer = { status: 429, headers: headers({ "retry-after": "1" }) };
    const startedAt: number[] = [];
    let answeredAt = 0;
    const first = limiter.run(async () => {
      answeredAt = Date.now();
      return throttled;
    }, answered(throttled));
    await first;
    const rest = Array.from({ length: 4 }, () =>
      limiter.run(async () => {
        startedAt.push(Date.now());
        return ok;
      }, reader),
    );
    await Promise.all(rest);
    expect(startedAt).toHaveLength(4);
    // Retry-After: 1 is one second from the 429; timers may fire a millisecond or two early.
    for (const at of startedAt) expect(at - answeredAt).toBeGreaterThanOrEqual(990);
    expect(limiter.stats).toMatchObject({ throttled: 1, pauses: 1 });
  });

  it("starts a retry ahead of first attempts already waiting", async () => {
    const limiter = new AdaptiveLimiter({ maxConcurrency: 1, maxPauseMs: 1_000 });
    const order: string[] = [];
    const task = (name: string, ms: number) => async () => {
      order.push(name);
      await sleep(ms);
      return ok;
    };
    const blocking = limiter.run(task("blocking", 20), reader);
    const firsts = ["first-1", "first-2"].map((name) => limiter.run(task(name, 1), reader));
    const retry = limiter.run(task("retry", 1), reader, { retry: true });
    await Promise.all([blocking, ...firsts, retry]);
    expect(order).toEqual(["blocking", "retry", "first-1", "first-2"]);
  });

  it("grows past its initial concurrency while the server never pushes back, and falls back at the first 429", async () => {
    const limiter = new AdaptiveLimiter({ maxConcurrency: 6, initialConcurrency: 2, maxPauseMs: 1_000 });
    let inFlight = 0;
    let most = 0;
    const task = async () => {
      most = Math.max(most, ++inFlight);
      await sleep(2);
      inFlight -= 1;
      return ok;
    };
    await Promise.all(Array.from({ length: 60 }, () => limiter.run(task, reader)));
    expect(most).toBe(6);
    const throttled: ServerAnswer = { status: 429, headers: headers({}) };
    await limiter.run(async () => throttled, answered(throttled));
    expect(limiter.currentConcurrency()).toBe(2);
    // The 429 also set a pace (85% of the last second's sends), which may space these further apart than 2 at a time.
    most = 0;
    await Promise.all(Array.from({ length: 20 }, () => limiter.run(task, reader)));
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(2);
  });
});
