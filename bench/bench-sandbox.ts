import type { LoggedRequest } from "../sandbox/core/request-log.js";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import type { GeneratedWorld } from "../sandbox/world/generate.js";
import { apiNames, benchConditions, type ApiName, type WorldLimits } from "./conditions.js";

export interface ApiTraffic {
  requests: number;
  /** 429s the emulator answered (its token bucket). */
  throttled: number;
  /** Answered 2xx more than once for the same method, path and query: work done twice. */
  repeated: number;
  /** Neither 2xx nor 429 (Key Vault's 401 challenge, failures). */
  otherStatuses: Record<string, number>;
}

export type Traffic = Record<ApiName, ApiTraffic>;

export interface BenchSandbox {
  sandbox: Sandbox;
  /** Fresh fault knobs (a full token bucket, or no limit) and an empty request log, so that each run starts alike. */
  reset(limits: WorldLimits): void;
  /** What each API answered since the last reset. */
  traffic(): Traffic;
  close(): Promise<void>;
}

function summarize(entries: LoggedRequest[]): ApiTraffic {
  const succeeded = new Map<string, number>();
  const traffic: ApiTraffic = { requests: entries.length, throttled: 0, repeated: 0, otherStatuses: {} };
  for (const entry of entries) {
    if (entry.status === 429) traffic.throttled += 1;
    else if (entry.status >= 200 && entry.status < 300) {
      const key = `${entry.method} ${entry.path}${entry.query}`;
      const seen = succeeded.get(key) ?? 0;
      if (seen > 0) traffic.repeated += 1;
      succeeded.set(key, seen + 1);
    } else traffic.otherStatuses[entry.status] = (traffic.otherStatuses[entry.status] ?? 0) + 1;
  }
  return traffic;
}

/** Every emulator over one generated world, with the benchmark's latency, rate limits and page sizes. */
export async function startBenchSandbox(generated: GeneratedWorld, now: Date): Promise<BenchSandbox> {
  const { latencyMs, ratePerSecond, retryAfterSeconds, pageSize } = benchConditions;
  const sandbox = await startSandbox(generated.world, {
    now: () => now,
    circlePageSize: pageSize.circleci,
    graphPageSize: pageSize.graph,
    vaultPageSize: pageSize.keyVault,
  });
  const reset = (limits: WorldLimits) => {
    const limited = limits === "limited";
    sandbox.circleci.faults.set("*", { latencyMs, ...(limited ? { rateLimitPerSecond: ratePerSecond.circleci, retryAfterSeconds } : {}) });
    sandbox.directory.graph.faults.set("*", { latencyMs, ...(limited ? { rateLimitPerSecond: ratePerSecond.graph, retryAfterSeconds } : {}) });
    sandbox.directory.entra.faults.set("*", { latencyMs });
    sandbox.keyVault.faults.set("*", { latencyMs });
    sandbox.log.clear();
  };
  reset("limited");
  return {
    sandbox,
    reset,
    traffic: () => {
      const result = {} as Traffic;
      for (const api of apiNames) result[api] = summarize(sandbox.log.entries.filter((e) => e.emulator === api));
      return result;
    },
    close: () => sandbox.close(),
  };
}
