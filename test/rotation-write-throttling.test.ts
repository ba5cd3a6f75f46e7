import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { circleCiVariableWriteRoutes } from "../sandbox/circleci/index.js";
import { graphApplicationWriteRoutes } from "../sandbox/graph/index.js";
import type { RotationResult } from "#shared/engine/rotation/index.js";
import { startRotationSandbox, type RotationSandbox } from "./support/rotation-sandbox.js";
import { runScenario } from "./support/rotation-scenario.js";
import { startLocalStateStore, type StartedStateStore } from "./support/state-stores.js";

// Issue 11 item 7: Graph throttles bursts of application writes (addPassword, removePassword, federated
// credentials) and CircleCI bursts of variable writes, each answering 429 with Retry-After before doing anything.
// Two credentials rotate at once through the adapters' own retry paths: both complete, nothing is minted twice.

let sandbox: RotationSandbox;
const stores: StartedStateStore[] = [];

beforeAll(async () => {
  sandbox = await startRotationSandbox();
});
afterAll(async () => {
  await sandbox?.close();
  await Promise.all(stores.map((s) => s.stop()));
});

type Throttled = "graph" | "circleci";

/** Two credentials rotated at once (a burst of writes), to the end; throttling on the named service only. */
async function rotateTwoAtOnce(throttled: Throttled) {
  const kases = [sandbox.addCredential(`${throttled}-throttled-context`), sandbox.addCredential(`${throttled}-throttled-project`, { binding: "project" })];
  sandbox.clearFaults();
  if (throttled === "graph") sandbox.directory.graph.faults.setBudget("application writes", { routes: graphApplicationWriteRoutes, limit: 1, windowMs: 1_000 });
  else sandbox.circleci.faults.setBudget("variable writes", { routes: circleCiVariableWriteRoutes, limit: 1, windowMs: 1_000 });
  const reports = await Promise.all(
    kases.map(async (kase) => {
      const started = await startLocalStateStore();
      stores.push(started);
      return runScenario({ sandbox, store: started.store, kase });
    }),
  );
  return kases.map((kase, i) => ({ kase, report: reports[i]! }));
}

describe("rotations under write throttling", () => {
  it.each(["graph", "circleci"] as const)("%s refuses a burst's writes beyond its budget with Retry-After: both rotations end retired with exactly their new password", async (throttled) => {
    const emulator = throttled === "graph" ? sandbox.directory.graph : sandbox.circleci;
    const before = emulator.faults.injected.rateLimited;
    for (const { kase, report } of await rotateTwoAtOnce(throttled)) {
      expect(report.violations, `${kase.name}: ${report.violations.join("\n")}`).toEqual([]);
      const outcomes = report.outcomes.flatMap((o): RotationResult[] => (o.busy ? [] : [o]));
      expect(outcomes.at(-1), kase.name).toMatchObject({ state: "retired" });
      // The adapters wait out each Retry-After, a bounded number of times (3 attempts in these ports): a writer that
      // loses the race that often ends its run with the 429, and the next cycle goes on. No other failure.
      const failures = outcomes.flatMap((o) => (o.failure ? [o.failure.message] : []));
      for (const failure of failures) expect(failure, kase.name).toMatch(/\b429\b/);
      expect(sandbox.mintCalls(kase), kase.name).toBe(1);
      // Exactly the new password: the old one removed, none minted twice.
      const passwords = sandbox.passwords(kase);
      expect(passwords.map((p) => p.keyId), kase.name).toEqual(sandbox.minted(kase).map((p) => p.keyId));
      expect(passwords, kase.name).toHaveLength(1);
      expect(sandbox.ciValue(kase), kase.name).toBe(passwords[0]!.secretText);
    }
    expect(emulator.faults.injected.rateLimited).toBeGreaterThan(before);
  });
});
