import { setTimeout as sleep } from "node:timers/promises";
import PQueue from "p-queue";
import { remainingBudget, requestedWaitMs, type HeaderLookup } from "./rate-limit-headers.js";

export interface AdaptiveLimiterOptions {
  /** Requests in flight at once, at most: the cap the concurrency may grow to. */
  maxConcurrency: number;
  /**
   * Requests in flight at first (default: maxConcurrency, no growth). While the server never pushes back (no 429,
   * no 503 asking to wait, no published budget), one more is allowed after each round of this many answers, up to
   * maxConcurrency; the first push-back returns it here for good, and the pace below takes over.
   */
  initialConcurrency?: number;
  /** Longest pause honoured from Retry-After and reset headers; longer requests are cut to this. */
  maxPauseMs: number;
}

/** What a server said about one request: its status and the headers that speak of limits. */
export interface ServerAnswer {
  status: number;
  headers: HeaderLookup;
}

/** How to read a ServerAnswer from what a request resolved with or threw (undefined: no answer came). */
export interface AnswerReader<T> {
  fromResult(result: T): ServerAnswer | undefined;
  fromError(error: unknown): ServerAnswer | undefined;
}

// How the pace follows a server that publishes no limit (tuned on the sandbox; README "Scale" explains):
// - the first 429 cuts the pace to 85% of what was sent in the last second;
// - a later 429 sets it to 95% of what the server accepted since the previous one: a token bucket was
//   empty at both, so what it let through in between is its refill rate;
// - between 429s the pace grows 2% a second, to find out whether the server allows more.
// Each overshoot costs the one to three requests in flight, and the Retry-After pause that follows
// refills the bucket, so the pause itself loses no capacity.
const sentWindowMs = 1_000;
const historyMs = 10_000;
const firstDecrease = 0.85;
const margin = 0.95;
const growthPerSecond = 0.02;
const minRatePerSecond = 1;
/** Above this the pace is no constraint worth keeping: back to the concurrency bound alone. */
const unpacedAbovePerSecond = 5_000;
// p-queue starts greater priorities first: retries go ahead of first attempts.
const retryPriority = 1;
const firstTryPriority = 0;

/**
 * One API's requests: at most `initialConcurrency` in flight at first, more (up to `maxConcurrency`) while the server
 * never pushes back, every request paused while the server asked to
 * wait (Retry-After, reset headers, an exhausted RateLimit-Remaining), and a pace that adapts to 429s.
 * Built on p-queue: its `concurrency` bounds requests in flight (a request waiting for its turn in the pace holds its
 * slot, as it would once sent), `pause()` holds every queued request during a pause, and priorities put retries ahead
 * of new requests. The pace itself is a start time handed out one request after another (p-queue's own interval
 * cannot change once the queue is built, and the pace changes with every 429).
 */
export class AdaptiveLimiter {
  private readonly queue: PQueue;
  /** The earliest time the pace lets the next request start. */
  private nextStartAt = 0;
  /** Start times of the last second's requests, oldest first. */
  private readonly recentStarts: number[] = [];
  /** When the last ten seconds' answers other than 429 came, oldest first. */
  private readonly recentAccepted: number[] = [];
  private pace: { perSecond: number; since: number } | undefined;
  private appliedMinTimeMs = 0;
  /** When the latest slow-down happened; requests started before its pause ended belong to it. */
  private lastThrottleAt: number | undefined;
  private throttleEpochEndsAt = Number.NEGATIVE_INFINITY;
  private pausedUntil = 0;
  private resumeTimer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  /** Requests allowed in flight now; grows from initialConcurrency while the server never pushes back. */
  private concurrency: number;
  private readonly baseConcurrency: number;
  /** Accepted answers since the concurrency last grew. */
  private acceptedThisRound = 0;
  /** The server pushed back once (or publishes its limits): the concurrency stays at its base. */
  private pushedBack = false;
  /** Counters for logs and benchmarks; `peakConcurrency` is the most requests ever allowed in flight at once. */
  readonly stats = { requests: 0, throttled: 0, pauses: 0, peakConcurrency: 0 };

  constructor(private readonly options: AdaptiveLimiterOptions) {
    this.baseConcurrency = Math.min(options.initialConcurrency ?? options.maxConcurrency, options.maxConcurrency);
    this.concurrency = this.baseConcurrency;
    this.stats.peakConcurrency = this.concurrency;
    this.queue = new PQueue({ concurrency: this.concurrency });
  }

  /** Requests allowed in flight now. */
  currentConcurrency(): number {
    return this.concurrency;
  }

  /** The pace in requests per second, or undefined while only the concurrency bound applies. */
  ratePerSecond(now = Date.now()): number | undefined {
    if (!this.pace) return undefined;
    return this.pace.perSecond * (1 + growthPerSecond) ** ((now - this.pace.since) / 1000);
  }

  /** Runs `task` when the limiter allows; `retry` puts it ahead of first attempts (its caller has waited already). */
  run<T>(task: () => Promise<T>, reader: AnswerReader<T>, options: { retry?: boolean } = {}): Promise<T> {
    this.refreshPace(Date.now());
    // A request waits for the pause to end: the process must stay up for it.
    this.resumeTimer?.ref();
    const priority = options.retry ? retryPriority : firstTryPriority;
    return this.queue.add(async () => {
      await this.turn();
      const startedAt = Date.now();
      this.stats.requests += 1;
      remember(this.recentStarts, startedAt, sentWindowMs);
      this.inFlight += 1;
      let answer: ServerAnswer | undefined;
      try {
        const result = await task();
        answer = reader.fromResult(result);
        return result;
      } catch (error) {
        answer = reader.fromError(error);
        throw error;
      } finally {
        this.inFlight -= 1;
        if (answer) this.observe(answer, startedAt);
      }
    }, { priority });
  }

  /** Waits until the pace and any pause let this request start, and takes that start time from the ones after it. */
  private async turn(): Promise<void> {
    for (;;) {
      const now = Date.now();
      const startAt = Math.max(now, this.nextStartAt, this.pausedUntil);
      if (startAt <= now) {
        this.nextStartAt = now + this.appliedMinTimeMs;
        return;
      }
      await sleep(startAt - now);
    }
  }

  private observe(answer: ServerAnswer, startedAt: number): void {
    const now = Date.now();
    if (answer.status === 429 || answer.status === 503) {
      const waitMs = requestedWaitMs(answer.headers, now);
      if (waitMs !== undefined) {
        this.fallBack();
        this.pauseFor(waitMs, now);
      }
    }
    if (answer.status === 429) {
      this.stats.throttled += 1;
      this.fallBack();
      // Answers to requests sent before the last slow-down (and its pause) was over say nothing new.
      if (startedAt >= this.throttleEpochEndsAt) this.slowDown(now);
      return;
    }
    remember(this.recentAccepted, now, historyMs);
    const budget = remainingBudget(answer.headers, now);
    // A server that publishes its budget is paced by it, never by probing for more.
    if (budget) this.fallBack();
    else this.grow();
    // The requests still in flight will use up what is left: wait for the refill instead of earning 429s.
    if (budget && budget.remaining <= this.inFlight) this.pauseFor(budget.resetInMs, now);
  }

  /**
   * One more request in flight after each full round of answers while there is more to send: about one more per
   * round trip (additive, so the first 429 of a limited server meets only a few more requests than the base).
   */
  private grow(): void {
    if (this.pushedBack || this.concurrency >= this.options.maxConcurrency) return;
    if (++this.acceptedThisRound < this.concurrency || this.queue.size === 0) return;
    this.acceptedThisRound = 0;
    this.setConcurrency(this.concurrency + 1);
  }

  /** The server pushed back: the concurrency returns to its base for the life of this limiter. */
  private fallBack(): void {
    if (this.pushedBack) return;
    this.pushedBack = true;
    this.setConcurrency(this.baseConcurrency);
  }

  private setConcurrency(value: number): void {
    if (value === this.concurrency) return;
    this.concurrency = value;
    this.stats.peakConcurrency = Math.max(this.stats.peakConcurrency, value);
    this.queue.concurrency = value;
  }

  private slowDown(now: number): void {
    const previous = this.lastThrottleAt;
    this.lastThrottleAt = now;
    this.throttleEpochEndsAt = Math.max(now, this.pausedUntil);
    const sent = countSince(this.recentStarts, now - sentWindowMs);
    // A handful of requests a second is no pace to cut: waiting out the pause is all a 429 asks for then.
    if (sent < this.baseConcurrency) return;
    let rate: number;
    if (previous !== undefined && now - previous <= historyMs) {
      rate = (margin * countSince(this.recentAccepted, previous) * 1000) / (now - previous);
    } else {
      rate = firstDecrease * Math.min(this.ratePerSecond(now) ?? Number.POSITIVE_INFINITY, sent);
    }
    this.pace = { perSecond: Math.max(minRatePerSecond, rate), since: now };
    this.refreshPace(now);
  }

  private refreshPace(now: number): void {
    const rate = this.ratePerSecond(now);
    if (rate !== undefined && rate > unpacedAbovePerSecond) this.pace = undefined;
    const minTimeMs = this.pace && rate !== undefined ? Math.round(1000 / rate) : 0;
    if (minTimeMs === this.appliedMinTimeMs) return;
    this.appliedMinTimeMs = minTimeMs;
  }

  private pauseFor(requestedMs: number, now: number): void {
    const waitMs = Math.min(requestedMs, this.options.maxPauseMs);
    const until = now + waitMs;
    if (waitMs <= 0 || until <= this.pausedUntil) return;
    this.pausedUntil = until;
    this.stats.pauses += 1;
    this.queue.pause();
    clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(() => {
      this.resumeTimer = undefined;
      this.queue.start();
    }, waitMs);
    // With nothing waiting, a pause must not keep a finished CLI run alive until it ends.
    if (this.queue.size === 0) this.resumeTimer.unref();
  }
}

/** Appends `at` to a time-ordered list and drops what is older than `keepMs` before it. */
function remember(times: number[], at: number, keepMs: number): void {
  times.push(at);
  let stale = 0;
  while (stale < times.length && times[stale]! < at - keepMs) stale += 1;
  if (stale > 0) times.splice(0, stale);
}

function countSince(times: readonly number[], since: number): number {
  let count = 0;
  for (let i = times.length - 1; i >= 0 && times[i]! >= since; i--) count += 1;
  return count;
}
