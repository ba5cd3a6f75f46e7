import { describe, expect, it } from "vitest";
import type { RotationSandbox } from "./support/rotation-sandbox.js";
import { rotationResults, useRotationSandbox } from "./support/rotation-suite.js";
import { instantPropagation, runScenario } from "./support/rotation-scenario.js";

// Entra's token endpoint as a set of replicas, each hearing of a new secret (and of a removal) at its own
// time, requests spread over them. "Verified" must mean "every replica accepts it" at the moment of the push.

let sandbox: RotationSandbox;
const { store } = useRotationSandbox({
  started: (started) => {
    sandbox = started;
  },
});
const results = rotationResults;
const threeReplicas = [{ newSecretDelayMs: 30 }, { newSecretDelayMs: 200 }, { newSecretDelayMs: 450 }];
const retry = { attempts: 30, minDelayMs: 20, maxDelayMs: 60 };

describe("Entra token replicas (emulator)", () => {
  it("spreads requests over the replicas in turn: a new secret is accepted by the one that has it, refused by the others", async () => {
    const kase = sandbox.addCredential("replica-spread");
    sandbox.directory.entra.replicas.set({ replicas: [{ newSecretDelayMs: 0 }, { newSecretDelayMs: 60_000 }, { newSecretDelayMs: 60_000 }] });
    const fresh = sandbox.directory.state.addPassword(sandbox.directory.state.appByAppId(kase.app.appId)!, { displayName: "fresh", endDateTime: new Date(Date.now() + 86_400_000).toISOString() });
    expect(sandbox.directory.entra.replicaVerdicts(kase.app.appId, fresh.secretText)).toEqual([true, false, false]);
    const answers = [];
    for (let i = 0; i < 4; i += 1) answers.push(await sandbox.accepts(kase, fresh.secretText));
    expect(answers).toEqual([true, false, false, true]);
    // The old, seeded secret is known everywhere.
    expect(sandbox.directory.entra.replicaVerdicts(kase.app.appId, kase.oldValue)).toEqual([true, true, true]);
  });

  it("a removed secret keeps working on a replica that has not heard of the removal", async () => {
    const kase = sandbox.addCredential("replica-removal");
    sandbox.directory.entra.replicas.set({ replicas: [{ removalDelayMs: 60_000 }, { removalDelayMs: 0 }, { removalDelayMs: 0 }] });
    const app = sandbox.directory.state.appByAppId(kase.app.appId)!;
    sandbox.directory.state.removePassword(app, kase.oldKeyId);
    expect(sandbox.directory.entra.replicaVerdicts(kase.app.appId, kase.oldValue)).toEqual([true, false, false]);
    expect(await sandbox.accepts(kase, kase.oldValue)).toBe(true);
    expect(await sandbox.accepts(kase, kase.oldValue)).toBe(false);
    sandbox.directory.entra.replicas.set({ replicas: [{ removalDelayMs: 0 }, { removalDelayMs: 0 }, { removalDelayMs: 0 }] });
    expect(sandbox.directory.entra.replicaVerdicts(kase.app.appId, kase.oldValue)).toEqual([false, false, false]);
  });
});

describe("verify means propagated", () => {
  it("one acceptance is not enough: a push after it leaves CircleCI with a value some replica refuses", async () => {
    // The behaviour before propagation was confirmed: the first accepted token request counted as verified.
    const kase = sandbox.addCredential("one-acceptance");
    sandbox.directory.entra.replicas.set({ replicas: [{ newSecretDelayMs: 0 }, { newSecretDelayMs: 60_000 }, { newSecretDelayMs: 60_000 }] });
    const { store: state } = await store();
    const report = await runScenario({ sandbox, store: state, kase, testRetry: retry, propagation: instantPropagation });
    expect(report.violations.join("\n")).toMatch(/Entra token replicas refuse was pushed to CircleCI/);
  });

  it("three replicas of different delays, spread in turn: several acceptances in a row mean every replica has it at the push", async () => {
    const kase = sandbox.addCredential("consecutive");
    sandbox.directory.entra.replicas.set({ replicas: threeReplicas, spread: "round-robin" });
    const { store: state } = await store();
    const report = await runScenario({ sandbox, store: state, kase, testRetry: retry, propagation: { confirmations: 3, spacingMs: 20, settleMs: 0 } });
    expect(report.violations, report.violations.join("\n")).toEqual([]);
    const [first] = results(report.outcomes);
    expect(first).toMatchObject({ state: "pushed" });
    expect(first!.apiCallsBySystem.entra).toBeGreaterThanOrEqual(3);
    expect(sandbox.ciValue(kase)).not.toBe(kase.oldValue);
  });

  it("three replicas picked at random: the settle time since the mint covers what a streak cannot prove", async () => {
    const kase = sandbox.addCredential("settled");
    sandbox.directory.entra.replicas.set({ replicas: threeReplicas, spread: "random" });
    const { store: state } = await store();
    const report = await runScenario({ sandbox, store: state, kase, testRetry: retry, propagation: { confirmations: 2, spacingMs: 10, settleMs: 500 } });
    expect(report.violations, report.violations.join("\n")).toEqual([]);
    const [first] = results(report.outcomes);
    expect(first).toMatchObject({ state: "pushed" });
    expect(first!.steps.find((s) => s.step === "verify" && s.outcome === "done")?.detail).toMatch(/settle of \d+ ms/);
  });
});
