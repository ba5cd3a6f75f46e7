import type { ColdStart } from "./cold-start.js";
import { apiLabels, apiNames, benchConditions } from "./conditions.js";
import type { Found } from "./inventory-runs.js";
import { minimumTotal } from "./lower-bound.js";
import type { RunResult, SizeResult } from "./run-size.js";
import { minimumOf, repeatedOf, requestsOf, throttledOf, type Target } from "./targets.js";
import { describeStoredReads } from "./stored-reads.js";

const MB = 1024 * 1024;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const pad = (text: string | number, width: number) => String(text).padStart(width);
const padEnd = (text: string, width: number) => text.padEnd(width);

export function describeConditions(circleConcurrency: SizeResult["circleConcurrency"]): string[] {
  const { latencyMs, ratePerSecond, retryAfterSeconds, pageSize } = benchConditions;
  return [
    `Conditions: every emulator answers after ${latencyMs} ms; CircleCI allows ${ratePerSecond.circleci} requests/s and Graph ${ratePerSecond.graph}/s`,
    `  (token bucket holding one second's worth; beyond it 429 with Retry-After: ${retryAfterSeconds}). Pages: CircleCI ${pageSize.circleci} items (CircleCI`,
    `  chooses and does not publish its page size; ${pageSize.circleci} assumed), Graph $top=${pageSize.graph}, Key Vault ${pageSize.keyVault}.`,
    `Inventory: the project's own (settings from the sandbox env -> shared/app buildAdapters -> takeInventory), CircleCI`,
    `  ${circleConcurrency.initial} requests in flight at first, one more per round of answers up to ${circleConcurrency.max} while CircleCI never`,
    `  answers 429 (back to ${circleConcurrency.initial} at the first), paced by the adaptive limiter. Baseline: the same listings one request`,
    `  at a time, no retry, through the same adapters. Each size runs in a fresh process, its emulators in another (CPU and RSS`,
    `  below are the watchdog's alone): first the inventory as a newly started worker runs it (tokens, module set-up and JIT`,
    `  included), then the baseline (the managed identity's tokens are cached by then), then the inventory once more, warm,`,
    `  then once more in the same world without any rate limit ("no limit"; bounds by latency and concurrency alone).`,
  ];
}

function describeShape(size: SizeResult): string {
  const w = size.shape;
  return (
    `${w.contexts} contexts × ${w.variablesPerContext} variables, ${w.projects} projects × ${w.variablesPerProject}, ` +
    `${w.apps} apps × ${w.passwordsPerApp} passwords, ${w.vaultSecrets} Key Vault secrets`
  );
}

function describeFound(found: Found, expected: Found): string {
  const all = (Object.keys(expected) as Array<keyof Found>).every((k) => found[k] === expected[k]);
  const text =
    `${found.contextVariables} context + ${found.projectVariables} project variables, ${found.apps} apps ` +
    `(${found.passwords} passwords), ${found.vaultSecrets} secrets`;
  return all ? `everything found: ${text}` : `INCOMPLETE: ${text} of ${expected.contextVariables}/${expected.projectVariables}/${expected.apps}/${expected.passwords}/${expected.vaultSecrets}`;
}

function describeRun(label: string, run: RunResult, size: SizeResult, boundMs = size.minimums.overallBoundMs): string[] {
  const requests = requestsOf(run);
  const errors = run.outcome.errors;
  return [
    `  ${padEnd(label, 10)} ${s(run.wallMs)} wall (${(run.wallMs / boundMs).toFixed(2)} × lower bound), CircleCI part ${s(run.outcome.circleciMs)}, ` +
      `${requests} requests, ${throttledOf(run)} × 429, ${repeatedOf(run)} repeated, ${s(run.cpuMs)} CPU, RSS peak ${(run.peakRssBytes / MB).toFixed(0)} MB sampled, ${(run.processPeakRssBytes / MB).toFixed(0)} MB process`,
    `  ${padEnd("", 10)} ${describeFound(run.outcome.found, size.expected)}${errors.length ? `; FAILED: ${errors.join("; ")}` : ""}`,
  ];
}

export function describeSize(size: SizeResult): string[] {
  const run = size.inventory;
  const lines = [`── ${size.size}: ${describeShape(size)}`, `  ${padEnd("", 13)} requests  minimum  429s  lower bound`];
  for (const api of apiNames) {
    const m = size.minimums[api];
    const t = run.traffic[api];
    lines.push(`  ${padEnd(apiLabels[api], 13)} ${pad(t.requests, 8)} ${pad(minimumTotal(m), 8)} ${pad(t.throttled, 5)} ${pad(s(m.boundMs), 12)}  ${m.formula}`);
  }
  lines.push(`  ${padEnd("all", 13)} ${pad(requestsOf(run), 8)} ${pad(minimumOf(size), 8)} ${pad(throttledOf(run), 5)} ${pad(s(size.minimums.overallBoundMs), 12)}  the APIs are read side by side`);
  lines.push(...describeRun("inventory", run, size));
  if (size.baseline) lines.push(...describeRun("baseline", size.baseline, size));
  lines.push(...describeRun("warm", size.warmInventory, size));
  const free = size.unlimitedMinimums;
  lines.push(...describeRun("no limit", size.unlimited, size, free.overallBoundMs));
  lines.push(`  ${padEnd("", 10)} bounds without a limit: CircleCI ${s(free.circleci.boundMs)} = ${free.circleci.formula}; Key Vault ${s(free.keyvault.boundMs)} = ${free.keyvault.formula}`);
  if (size.baseline) {
    lines.push(`  ${padEnd("speed-up", 10)} ${(size.baseline.wallMs / run.wallMs).toFixed(2)}× over the baseline; warm: CPU ${(size.warmInventory.cpuMs / requestsOf(size.warmInventory)).toFixed(2)} ms and wall ${(size.warmInventory.wallMs / requestsOf(size.warmInventory)).toFixed(1)} ms per request`);
    lines.push(`  ${padEnd("", 10)} no limit: the CircleCI part ${(size.baseline.outcome.circleciMs / size.unlimited.outcome.circleciMs).toFixed(2)}× the baseline's, the whole inventory ${(size.baseline.wallMs / size.unlimited.wallMs).toFixed(2)}×`);
  }
  lines.push(...describeStoredReads(size.storedReads));
  return lines;
}

export function describeColdStart(cold: ColdStart): string[] {
  const lines = [`── cold start: a fresh node requiring bundles, median of ${cold.runs} runs`, `  ${padEnd("node -e 0", 40)} ${pad(cold.bareMs.toFixed(0), 5)} ms`];
  for (const load of cold.loads) {
    lines.push(`  ${padEnd(load.label, 40)} ${pad(load.medianMs.toFixed(0), 5)} ms  (+${load.aboveBareMs.toFixed(0)} ms)${load.failure ? `  FAILED TO LOAD: ${load.failure}` : ""}`);
  }
  return lines;
}

export function describeTargets(targets: Target[]): string[] {
  return ["── targets", ...targets.map((t) => `  ${t.pass ? "PASS" : "FAIL"}  ${t.name}: ${t.detail}`)];
}
