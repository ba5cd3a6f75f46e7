import { describe, expect, it } from "vitest";
import { graphRouteNames } from "../sandbox/graph/index.js";
import type { RotationSandbox } from "./support/rotation-sandbox.js";
import { rotationResults, useRotationSandbox } from "./support/rotation-suite.js";
import { runScenario } from "./support/rotation-scenario.js";

// Faults from the emulators (429 + Retry-After, 5xx, plain-text errors, timeouts, Entra's propagation
// delay) delay a rotation; they never corrupt it. Each case runs the cycles with the invariants checked.

let sandbox: RotationSandbox;
const { store } = useRotationSandbox({
  started: (started) => {
    sandbox = started;
  },
});
const results = rotationResults;

describe("rotation under emulator faults", () => {
  it("429s with Retry-After on every service: the first cycle still reaches the push", async () => {
    const kase = sandbox.addCredential("throttled");
    for (const emulator of [sandbox.directory.graph, sandbox.vault, sandbox.circleci]) emulator.faults.set("*", { rateLimitEvery: 2, retryAfterSeconds: 1 });
    const { store: state } = await store();
    const startedAt = Date.now();
    const report = await runScenario({ sandbox, store: state, kase, afterRun: (index) => (index === 0 ? sandbox.clearFaults() : undefined) });
    expect(report.violations, report.violations.join("\n")).toEqual([]);
    const [first] = results(report.outcomes);
    expect(first).toMatchObject({ state: "pushed" });
    expect(first?.failure).toBeUndefined();
    const limited = [sandbox.directory.graph, sandbox.vault, sandbox.circleci].reduce((n, e) => n + e.faults.injected.rateLimited, 0);
    expect(limited).toBeGreaterThanOrEqual(3);
    // Retry-After was waited out, not ignored.
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1_000);
  });

  it("plain-text 5xx answers: idempotent calls are retried; a failed addPassword is reconciled by the next cycle", async () => {
    const kase = sandbox.addCredential("plaintext");
    const { store: state } = await store();
    const report = await runScenario({
      sandbox,
      store: state,
      kase,
      beforeRun: (index) => {
        if (index !== 0) return false;
        sandbox.directory.graph.faults.set(graphRouteNames.applicationsList, { failTimes: 1, failStatus: 502, plainText: true });
        sandbox.vault.faults.set("*", { failTimes: 1, failStatus: 503, plainText: true });
        sandbox.circleci.faults.set("*", { failTimes: 1, failStatus: 500, plainText: true });
        sandbox.directory.graph.faults.set(graphRouteNames.addPassword, { failTimes: 1, failStatus: 503, plainText: true });
        return true;
      },
      afterRun: () => sandbox.clearFaults(),
    });
    expect(report.violations, report.violations.join("\n")).toEqual([]);
    const [first, second] = results(report.outcomes);
    expect(first?.failure).toMatchObject({ step: "mint", message: expect.stringMatching(/503/) });
    expect(second).toMatchObject({ state: "pushed" });
  });

  it("answers held past the client's timeout (the push was made, the answer lost): the next cycle pushes again", async () => {
    const kase = sandbox.addCredential("timeout");
    const { store: state } = await store();
    const report = await runScenario({
      sandbox,
      store: state,
      kase,
      portsOptions: { circleciTimeoutMs: 300 },
      beforeRun: (index) => {
        if (index !== 0) return false;
        sandbox.circleci.faults.set("context.envvar.put", { replyDelayMs: 600 });
        return true;
      },
      afterRun: () => sandbox.clearFaults(),
    });
    expect(report.violations, report.violations.join("\n")).toEqual([]);
    const [first, second] = results(report.outcomes);
    expect(first?.failure).toMatchObject({ step: "push", message: expect.stringMatching(/timed out|timeout/i) });
    expect(second).toMatchObject({ state: "pushed" });
    expect(second?.steps.filter((s) => s.outcome === "done").map((s) => s.step)).toEqual(["reconcile", "push"]);
  });

  it("Entra's propagation delay: the new secret is retried until accepted and only then pushed", async () => {
    const kase = sandbox.addCredential("propagating");
    // Long enough that the first token request comes before it even on a loaded machine.
    sandbox.directory.entra.propagationDelayMs = 2_000;
    const { store: state } = await store();
    const report = await runScenario({ sandbox, store: state, kase, testRetry: { attempts: 12, minDelayMs: 100, maxDelayMs: 400 } });
    expect(report.violations, report.violations.join("\n")).toEqual([]);
    const [first] = results(report.outcomes);
    expect(first).toMatchObject({ state: "pushed" });
    expect(first!.apiCallsBySystem.entra).toBeGreaterThan(1);
  });

  it("a secret Entra does not accept within the bound is not pushed; a later cycle proves and pushes it", async () => {
    const kase = sandbox.addCredential("slow-propagation");
    sandbox.directory.entra.propagationDelayMs = 60_000;
    const { store: state } = await store();
    const report = await runScenario({
      sandbox,
      store: state,
      kase,
      afterRun: (index) => {
        if (index === 0) sandbox.directory.entra.propagationDelayMs = 0;
      },
    });
    expect(report.violations, report.violations.join("\n")).toEqual([]);
    const [first, second] = results(report.outcomes);
    expect(first).toMatchObject({ state: "stored", failure: { step: "verify", message: expect.stringMatching(/did not accept the new secret after 3 attempts/) } });
    expect(second).toMatchObject({ state: "pushed" });
  });
});
