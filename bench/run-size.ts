import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveCircleCiSettings } from "#shared/adapters/circleci/settings.js";
import { worldShapes, type WorldShape, type WorldSize } from "../sandbox/world/generate.js";
import type { Traffic } from "./bench-sandbox.js";
import type { WorldLimits } from "./conditions.js";
import { benchPolicy, expectedFound, projectInventory, sequentialBaseline, type Found, type InventoryOutcome } from "./inventory-runs.js";
import { minimums, type Minimums } from "./lower-bound.js";
import { measure } from "./measure.js";
import { startSandboxProcess, type SandboxProcess } from "./sandbox-process.js";
import { benchStoredReads, type StoredReadsResult } from "./stored-reads.js";

export interface RunResult {
  wallMs: number;
  /** User + system CPU of the watchdog's process (the emulators run in another). */
  cpuMs: number;
  peakRssBytes: number;
  processPeakRssBytes: number;
  traffic: Traffic;
  outcome: InventoryOutcome;
}

export interface SizeResult {
  size: WorldSize;
  shape: WorldShape;
  /** CircleCI requests in flight: at first (and after a 429), and at most (grown to while CircleCI never pushes back). */
  circleConcurrency: { initial: number; max: number };
  minimums: Minimums;
  /** The bounds of the same world without rate limits. */
  unlimitedMinimums: Minimums;
  expected: Found;
  /** The first inventory in a fresh process, as a newly started Functions worker runs it. */
  inventory: RunResult;
  baseline?: RunResult;
  /** A second inventory in the same process (module set-up, JIT and managed-identity tokens already paid): the cost measure. */
  warmInventory: RunResult;
  /** The inventory in the same world without rate limits (after the others: warm). */
  unlimited: RunResult;
  /** GET /api/plan from a live inventory beside the same answer from the stored read (the read model). */
  storedReads: StoredReadsResult;
}

async function run(sandbox: SandboxProcess, work: () => Promise<InventoryOutcome>, limits: WorldLimits = "limited"): Promise<RunResult> {
  await sandbox.reset(limits);
  const { value: outcome, ...measured } = await measure(work);
  return { ...measured, outcome, traffic: await sandbox.traffic() };
}

/**
 * One world size, meant to run in a fresh process: the emulators in a child process, then in this one
 * the project's inventory, the sequential baseline and the inventory once more, warm. Fault knobs are
 * reset before each run so that every run starts with a full rate-limit bucket.
 */
export async function benchSize(size: WorldSize, options: { baseline: boolean }): Promise<SizeResult> {
  const now = new Date();
  const shape = worldShapes[size];
  const sandbox = await startSandboxProcess(size, now);
  const stateDir = mkdtempSync(join(tmpdir(), "watchdog-bench-"));
  try {
    const policy = benchPolicy(sandbox.policyYaml);
    // DefaultAzureCredential reads the managed identity endpoint from the process environment.
    Object.assign(process.env, sandbox.env, { WATCHDOG_STATE_DIR: stateDir });
    const env = { ...process.env };
    const circleSettings = resolveCircleCiSettings({ apiUrl: env.CIRCLECI_API_URL ?? "", token: env.CIRCLECI_TOKEN ?? "", orgId: env.CIRCLECI_ORG_ID ?? "" });
    const circleConcurrency = { initial: Math.min(circleSettings.initialConcurrency, circleSettings.maxConcurrency), max: circleSettings.maxConcurrency };

    const inventory = await run(sandbox, () => projectInventory(env, policy, now));
    const baseline = options.baseline ? await run(sandbox, () => sequentialBaseline(env, policy)) : undefined;
    const warmInventory = await run(sandbox, () => projectInventory(env, policy, now));
    // The sequential baseline makes 25 requests a second at this latency, under the 50/s limit: the same without one.
    const unlimited = await run(sandbox, () => projectInventory(env, policy, now), "unlimited");
    const storedReads = await benchStoredReads(sandbox, env, stateDir);
    return {
      size,
      shape,
      circleConcurrency,
      minimums: minimums(shape, circleConcurrency.max),
      unlimitedMinimums: minimums(shape, circleConcurrency.max, "unlimited"),
      expected: expectedFound(shape),
      inventory,
      baseline,
      warmInventory,
      unlimited,
      storedReads,
    };
  } finally {
    await sandbox.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
