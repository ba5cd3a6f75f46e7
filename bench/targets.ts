import type { ColdStart } from "./cold-start.js";
import { apiNames, benchConditions } from "./conditions.js";
import { minimumTotal } from "./lower-bound.js";
import type { RunResult, SizeResult } from "./run-size.js";

export interface Target {
  name: string;
  pass: boolean;
  /** The measured value and what it was held against, in words. */
  detail: string;
}

const MB = 1024 * 1024;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export const requestsOf = (run: RunResult) => apiNames.reduce((n, api) => n + run.traffic[api].requests, 0);
export const throttledOf = (run: RunResult) => apiNames.reduce((n, api) => n + run.traffic[api].throttled, 0);
export const repeatedOf = (run: RunResult) => apiNames.reduce((n, api) => n + run.traffic[api].repeated, 0);
export const minimumOf = (size: SizeResult) => apiNames.reduce((n, api) => n + minimumTotal(size.minimums[api]), 0);

/** The targets of issues 6 and 13, judged on the large world (and, for cost, small against large). */
export function judge(sizes: SizeResult[], coldStart: ColdStart | undefined): Target[] {
  const targets: Target[] = [];
  const large = sizes.find((s) => s.size === "large");
  const small = sizes.find((s) => s.size === "small");
  if (large) {
    const run = large.inventory;
    const requests = requestsOf(run);
    const minimum = minimumOf(large);
    const bound = large.minimums.overallBoundMs;
    targets.push({
      name: "requests ≤ 1.05 × the minimum",
      pass: requests <= 1.05 * minimum,
      detail: `${requests} / ${minimum} = ${(requests / minimum).toFixed(3)} (minimum: every page, a token per resource, Key Vault's challenge)`,
    });
    const limitedSpeedup = large.baseline ? `; ${(large.baseline.wallMs / run.wallMs).toFixed(2)}× the sequential baseline, which at one request per ${benchConditions.latencyMs} ms already makes half of CircleCI's ${benchConditions.ratePerSecond.circleci}/s` : "";
    targets.push({
      name: `wall time ≤ 1.1 × the lower bound (CircleCI ${benchConditions.ratePerSecond.circleci}/s)`,
      pass: run.wallMs <= 1.1 * bound,
      detail: `${seconds(run.wallMs)} / ${seconds(bound)} = ${(run.wallMs / bound).toFixed(3)}${limitedSpeedup}`,
    });
    if (large.baseline) {
      const free = large.unlimited;
      const speedup = large.baseline.outcome.circleciMs / free.outcome.circleciMs;
      const freeBound = large.unlimitedMinimums;
      const vault = large.unlimitedMinimums.keyvault;
      targets.push({
        name: "no rate limit: the CircleCI part ≥ 10× the sequential baseline's",
        pass: speedup >= 10 && free.outcome.errors.length === 0,
        detail:
          `${speedup.toFixed(2)}× (${seconds(large.baseline.outcome.circleciMs)} / ${seconds(free.outcome.circleciMs)}; its bound ${seconds(freeBound.circleci.boundMs)} = ` +
          `${freeBound.circleci.formula}). The whole inventory took ${seconds(free.wallMs)} against its bound ${seconds(freeBound.overallBoundMs)}: ` +
          `the Key Vault list is a chain of ${vault.pages} pages (${seconds(vault.boundMs)} with its challenge) that no concurrency shortens`,
      });
    }
    const throttled = throttledOf(run);
    targets.push({
      name: "429s ≤ 2% of requests",
      pass: throttled <= 0.02 * requests,
      detail: `${throttled} / ${requests} = ${((100 * throttled) / requests).toFixed(2)}%`,
    });
    targets.push({
      name: "peak RSS ≤ 200 MB",
      pass: Math.max(run.processPeakRssBytes, large.unlimited.processPeakRssBytes) <= 200 * MB,
      detail:
        `${(run.processPeakRssBytes / MB).toFixed(0)} MB over its first inventory, ${(large.unlimited.processPeakRssBytes / MB).toFixed(0)} MB after every run including the one without ` +
        `rate limits (the kernel's peak for the watchdog's process; the emulators run in another)`,
    });
    if (small) {
      const [from, to] = [small.warmInventory, large.warmInventory];
      const cpuGrowth = to.cpuMs / from.cpuMs;
      const requestGrowth = requestsOf(to) / requestsOf(from);
      targets.push({
        name: "cost grows no faster than requests (small → large)",
        pass: cpuGrowth <= requestGrowth,
        detail: `CPU of a warm inventory ×${cpuGrowth.toFixed(1)} (${from.cpuMs.toFixed(0)} → ${to.cpuMs.toFixed(0)} ms) against requests ×${requestGrowth.toFixed(1)} (${requestsOf(from)} → ${requestsOf(to)})`,
      });
    }
  }
  if (coldStart) {
    // The target is what loading the deployed entries costs; the app bundle they load on their first invocation
    // is printed beside them (describeColdStart) but is not that target.
    const entriesOnly = coldStart.loads.filter((l) => !l.label.includes("app bundle"));
    const [single, all] = [entriesOnly.filter((l) => l.files.length === 1), entriesOnly.filter((l) => l.files.length > 1)];
    const describe = (loads: typeof single) =>
      loads.map((l) => `${l.label} +${l.aboveBareMs.toFixed(0)} ms${l.failure ? " (failed to load)" : ""}`).join(", ") + ` over node -e 0 at ${coldStart.bareMs.toFixed(0)} ms`;
    const within = (loads: typeof single) => loads.every((l) => l.aboveBareMs <= 150 && !l.failure);
    targets.push({ name: "cold start ≤ 150 ms above bare node", pass: within(single), detail: describe(single) });
    if (all.length > 0) targets.push({ name: "cold start of every entry the host loads ≤ 150 ms above bare node", pass: within(all), detail: describe(all) });
  }
  return targets;
}
