import { describe, expect, it } from "vitest";
import { keyVaultRoutes } from "../sandbox/keyvault/index.js";
import { rotateCredential, type RotationResult } from "#shared/engine/rotation/index.js";
import { HOUR, TestClock, type RotationCase, type RotationSandbox } from "./support/rotation-sandbox.js";
import { rotationResults, useRotationSandbox } from "./support/rotation-suite.js";
import { fastTestRetry, instantPropagation, runScenario } from "./support/rotation-scenario.js";

// Issue 11 item 6, through the rotation: Key Vault's asynchronous soft delete (ObjectIsBeingDeleted), a disabled
// version (403 SecretDisabled), and the versions of a name that has none (200 empty, or 404). Each case runs the
// cycles with the rotation invariants checked; no run ever purges.

let sandbox: RotationSandbox;
const deletionWait = { minDelayMs: 20, maxDelayMs: 80, maxWaitMs: 5_000 };
const { store } = useRotationSandbox({
  started: (started) => {
    sandbox = started;
  },
  reset: () => {
    sandbox.vault.state.softDeleteDelayMs = 0;
    sandbox.vault.state.versionsOfMissingName = "empty";
  },
});
const results = rotationResults;
const purges = () => sandbox.vault.log.entries.filter((e) => e.route === keyVaultRoutes.purgeDeleted).length;

/** The credential's secret, last written by the watchdog for it, deleted by someone a moment before the cycle. */
function deleteOwnSecretJustBefore(kase: RotationCase, delayMs: number): void {
  sandbox.vault.state.addVersion(kase.credential.keyVault.secretName, {
    value: kase.oldValue,
    tags: { appId: kase.app.appId, keyId: kase.oldKeyId, rotationId: "r-earlier", credential: kase.name, managedBy: "secret-watchdog" },
  });
  sandbox.vault.state.softDeleteDelayMs = delayMs;
  sandbox.vault.state.softDelete(kase.credential.keyVault.secretName);
}

describe("Key Vault's asynchronous soft delete under a rotation", () => {
  it("a deletion of the credential's own secret still running at start: the store waits it out, recovers the secret and stores", async () => {
    const kase = sandbox.addCredential("being-deleted-own");
    // Long enough that the deletion still runs at the first set even on a loaded machine (start reads the app's
    // management policy and the context's variables before the mint).
    deleteOwnSecretJustBefore(kase, 3_000);
    const { store: state } = await store();
    const report = await runScenario({ sandbox, store: state, kase, portsOptions: { vaultDeletionWait: deletionWait } });
    expect(report.violations, report.violations.join("\n")).toEqual([]);
    const [first] = results(report.outcomes);
    expect(first).toMatchObject({ state: "pushed" });
    expect(first!.failure).toBeUndefined();
    expect(sandbox.mintCalls(kase)).toBe(1);
    const refusals = sandbox.vault.log.entries.filter((e) => e.route === keyVaultRoutes.setSecret && e.path.includes(kase.credential.keyVault.secretName) && e.status === 409);
    expect(refusals.length).toBeGreaterThanOrEqual(2); // ObjectIsBeingDeleted at least once, then ObjectIsDeletedButRecoverable
    // Recovered with its history: the seeded version, the watchdog's earlier one, and this rotation's.
    expect(sandbox.vault.state.deleted.has(kase.credential.keyVault.secretName)).toBe(false);
    const versions = sandbox.versions(kase);
    expect(versions.map((v) => v.tags.rotationId ?? "seeded")).toEqual(["seeded", "r-earlier", expect.any(String)]);
    expect(sandbox.ciValue(kase)).toBe(versions[2]!.value);
    expect(purges()).toBe(0);
  });

  it("a deletion of someone else's secret under the name: the store stops naming both ways out, nothing reaches CircleCI, nothing is purged", async () => {
    const kase = sandbox.addCredential("being-deleted-foreign");
    sandbox.vault.state.softDeleteDelayMs = 300;
    sandbox.vault.state.softDelete(kase.credential.keyVault.secretName);
    const { store: state } = await store();
    const clock = new TestClock();
    const cycle = () =>
      rotateCredential(sandbox.ports(state, { vaultDeletionWait: deletionWait }), kase.credential, {
        tenantId: sandbox.tenantId,
        now: clock.now,
        actor: "timer",
        manual: false,
        snapshotComplete: true,
        testRetry: fastTestRetry,
        propagation: instantPropagation,
      });
    const outcome = await cycle();
    expect(outcome).toMatchObject({ state: "minted", failure: { step: "store" } });
    const message = (outcome as RotationResult).failure!.message;
    expect(message).toContain(`Key Vault secret "${kase.credential.keyVault.secretName}" exists only as a deleted secret`);
    expect(message).toContain("az keyvault secret recover");
    expect(message).toContain("az keyvault secret purge");
    // The next cycles remove the password that could not be stored and mint no other while the name is held.
    for (let next = 0; next < 3; next++) {
      clock.advance(HOUR);
      expect(await cycle()).toMatchObject({ failure: { step: expect.stringMatching(/^(reconcile|mint)$/) } });
    }
    expect(sandbox.mintCalls(kase)).toBe(1);
    expect(sandbox.passwords(kase).map((p) => p.keyId)).toEqual([kase.oldKeyId]);
    expect(sandbox.vault.state.deleted.has(kase.credential.keyVault.secretName)).toBe(true);
    expect(sandbox.ciValue(kase)).toBe(kase.oldValue);
    expect(purges()).toBe(0);
  });
});

describe("a disabled Key Vault version under a rotation", () => {
  it("a stored version someone disabled is unreadable, not missing: never pushed, left disabled; the rotation mints anew and completes", async () => {
    const kase = sandbox.addCredential("disabled-version");
    sandbox.directory.entra.propagationDelayMs = 60_000;
    const { store: state } = await store();
    let disabled: { version: string; value: string } | undefined;
    const report = await runScenario({
      sandbox,
      store: state,
      kase,
      afterRun: (index) => {
        if (index !== 0) return;
        sandbox.directory.entra.propagationDelayMs = 0;
        const stored = sandbox.versions(kase).at(-1)!;
        disabled = { version: stored.version, value: stored.value };
        sandbox.vault.state.updateVersion(kase.credential.keyVault.secretName, stored.version, { enabled: false });
      },
    });
    expect(report.violations, report.violations.join("\n")).toEqual([]);
    const [first] = results(report.outcomes);
    expect(first).toMatchObject({ state: "stored", failure: { step: "verify" } });
    expect(disabled).toBeDefined();
    const after = sandbox.versions(kase).find((v) => v.version === disabled!.version);
    expect(after).toMatchObject({ enabled: false });
    expect(sandbox.ciValue(kase)).not.toBe(disabled!.value);
    expect(await sandbox.accepts(kase, sandbox.ciValue(kase))).toBe(true);
    expect(sandbox.mintCalls(kase)).toBe(2);
  });
});

describe("the versions of a name that has none", () => {
  it.each(["empty", "not-found"] as const)("answered %s: a credential with no secret yet rotates to the end", async (answer) => {
    const kase = sandbox.addCredential(`no-versions-${answer}`, { seedVault: false });
    sandbox.vault.state.versionsOfMissingName = answer;
    const { store: state } = await store();
    const report = await runScenario({ sandbox, store: state, kase });
    expect(report.violations, report.violations.join("\n")).toEqual([]);
    expect(results(report.outcomes)[0]).toMatchObject({ state: "pushed" });
    expect(sandbox.mintCalls(kase)).toBe(1);
  });
});
