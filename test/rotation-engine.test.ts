import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyVaultRoutes } from "../sandbox/keyvault/index.js";
import { parseJournal, type RotationJournal } from "#shared/domain/rotation/index.js";
import { pendingRotations, planRotation, rotateCredential, type RotationOutcome, type RotationResult } from "#shared/engine/rotation/index.js";
import type { StateStore } from "#shared/ports/state-store.js";
import { HOUR, startRotationSandbox, TestClock, type RotationCase, type RotationSandbox } from "./support/rotation-sandbox.js";
import { instantPropagation } from "./support/rotation-scenario.js";
import { startLocalStateStore, type StartedStateStore } from "./support/state-stores.js";

// One rotation end to end through the real adapters and the emulators: what a user would check is the
// emulators' state (Key Vault, CircleCI, Graph) and the Entra token endpoint.

let sandbox: RotationSandbox;
let started: StartedStateStore;
let store: StateStore;

beforeAll(async () => {
  sandbox = await startRotationSandbox();
  started = await startLocalStateStore();
  store = started.store;
});
afterAll(async () => {
  await sandbox?.close();
  await started?.stop();
});

const fastTest = { attempts: 4, minDelayMs: 10, maxDelayMs: 40 };

function rotate(kase: RotationCase, clock: TestClock, extra: { manual?: boolean; snapshotComplete?: boolean; actor?: string } = {}): Promise<RotationOutcome> {
  return rotateCredential(sandbox.ports(store), kase.credential, {
    tenantId: sandbox.tenantId,
    now: clock.now,
    actor: extra.actor ?? "timer",
    manual: extra.manual ?? false,
    snapshotComplete: extra.snapshotComplete ?? true,
    testRetry: fastTest,
    propagation: instantPropagation,
  });
}

function result(outcome: RotationOutcome): RotationResult {
  if (outcome.busy) throw new Error(`unexpectedly busy: ${outcome.message}`);
  return outcome;
}

async function journalOf(name: string): Promise<RotationJournal> {
  const record = await store.get<unknown>("journal", name);
  const parsed = parseJournal(name, record?.value);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.journal;
}

describe("rotation through Key Vault (context variable)", () => {
  it("mints, stores, verifies and pushes in one run, waits out the overlap, then retires the old secret", async () => {
    const kase = sandbox.addCredential("happy");
    const clock = new TestClock();
    const logs = [sandbox.directory.graph.log, sandbox.directory.entra.log, sandbox.vault.log, sandbox.circleci.log];
    const wire: string[] = [];
    const onTheWire = async <T>(run: () => Promise<T>): Promise<T> => {
      logs.forEach((l) => l.clear());
      const done = await run();
      wire.push(...logs.flatMap((l) => l.entries.map((e) => `${e.route} ${e.status}`)));
      return done;
    };
    const t0 = clock.now().getTime();

    const first = result(await onTheWire(() => rotate(kase, clock)));
    expect(first.failure).toBeUndefined();
    expect(first.state).toBe("pushed");
    expect(first.steps.filter((s) => s.outcome === "done").map((s) => s.step)).toEqual(["start", "mint", "store", "verify", "push"]);
    expect(first.waitingUntil).toBe(new Date(t0 + 24 * HOUR).toISOString());

    // The new password exists, its value is the latest Key Vault version (tagged) and CircleCI's value.
    const minted = sandbox.minted(kase);
    expect(minted).toHaveLength(1);
    const fresh = minted[0]!;
    expect(fresh.displayName).toBe(`watchdog-rotation:happy:${first.rotationId}`);
    expect(Date.parse(fresh.endDateTime)).toBe(Math.floor((t0 + 90 * 24 * HOUR) / 1000) * 1000);
    const latest = sandbox.vault.state.latest(kase.credential.keyVault.secretName)!;
    expect(latest.value).toBe(fresh.secretText);
    expect(latest.tags).toEqual({ appId: kase.app.appId, keyId: fresh.keyId, rotationId: first.rotationId, credential: "happy", managedBy: "secret-watchdog" });
    expect(latest.expiresOn).toBe(fresh.endDateTime);
    expect(sandbox.ciValue(kase)).toBe(fresh.secretText);
    expect(await sandbox.accepts(kase, sandbox.ciValue(kase))).toBe(true);
    // The old one still works during the overlap.
    expect(sandbox.passwords(kase).map((p) => p.keyId)).toContain(kase.oldKeyId);
    expect(await sandbox.accepts(kase, kase.oldValue)).toBe(true);

    // Inside the overlap: nothing happens, and no external call is made.
    clock.advance(23 * HOUR);
    const during = result(await rotate(kase, clock));
    expect(during).toMatchObject({ state: "pushed", apiCalls: 0, waitingUntil: first.waitingUntil });
    expect(sandbox.passwords(kase).map((p) => p.keyId)).toContain(kase.oldKeyId);

    // After it, but on an incomplete inventory: still nothing is retired.
    clock.advance(2 * HOUR);
    const incomplete = result(await rotate(kase, clock, { snapshotComplete: false }));
    expect(incomplete.state).toBe("pushed");
    expect(incomplete.note).toMatch(/inventory is incomplete/);
    expect(incomplete.apiCalls).toBe(0);
    expect(sandbox.passwords(kase).map((p) => p.keyId)).toContain(kase.oldKeyId);

    const last = result(await onTheWire(() => rotate(kase, clock)));
    expect(last.failure).toBeUndefined();
    expect(last.state).toBe("retired");
    expect(sandbox.passwords(kase).map((p) => p.keyId)).toEqual([fresh.keyId]);
    expect(await sandbox.accepts(kase, kase.oldValue)).toBe(false);
    expect(await sandbox.accepts(kase, sandbox.ciValue(kase))).toBe(true);
    const versions = sandbox.versions(kase);
    expect(versions.map((v) => [v.version === kase.oldVersion ? "old" : "new", v.enabled])).toEqual([
      ["old", false],
      ["new", true],
    ]);

    // The count: a clean rotation across both runs (CircleCI: the push, and the drift check before retiring).
    const calls = (["graph", "keyvault", "circleci", "entra"] as const).map((s) => first.apiCallsBySystem[s] + last.apiCallsBySystem[s]);
    expect(calls).toEqual([5, 4, 4, 1]);
    expect(first.apiCalls + last.apiCalls).toBe(14);

    // On the wire: Key Vault's 401 challenge once per run that touches the vault, MSAL's OpenID discovery
    // before the token request; the emulators saw nothing else.
    expect(wire.sort()).toEqual(
      [
        "applications.list 200",
        "policies.defaultAppManagementPolicy 200",
        "applications.appManagementPolicies 200",
        "applications.get 200",
        "applications.addPassword 200",
        "applications.list 200",
        "applications.removePassword 204",
        "authority.discovery 200",
        "authority.token 200",
        "secret.versions 401",
        "secret.versions 200",
        "secret.set 200",
        "secret.versions 401",
        "secret.versions 200",
        "secret.update 200",
        "context.list 200",
        "context.envvar.list 200",
        "context.envvar.put 200",
        // The drift check before retiring: CircleCI still holds what the watchdog pushed.
        "context.envvar.list 200",
      ].sort(),
    );

    const journal = await journalOf("happy");
    expect(journal).toMatchObject({ state: "retired", pending: null, lastFailure: null, minted: { keyId: fresh.keyId } });
    expect(await pendingRotations(store)).toEqual([]);

    const audit = (await store.listAudit()).filter((e) => e.subject === "happy").map((e) => e.event).reverse();
    expect(audit).toEqual(["rotation.started", "rotation.minted", "rotation.stored", "rotation.verified", "rotation.pushed", "rotation.retired"]);
    const retired = (await store.listAudit()).find((e) => e.subject === "happy" && e.event === "rotation.retired");
    expect(retired).toMatchObject({ actor: "timer", details: { removedKeyIds: kase.oldKeyId, newKeyId: fresh.keyId } });

    // A plan-triggered run right after (a stale plan) does not rotate again; a manual one would.
    const again = result(await rotate(kase, clock));
    expect(again).toMatchObject({ state: "retired", apiCalls: 0, note: expect.stringMatching(/rotated at/) });
    const dry = await planRotation(store, kase.credential, { now: clock.now(), manual: true, snapshotComplete: true });
    expect(dry).toMatchObject({ state: "retired", wouldDo: ["start", "mint", "store", "verify", "push"] });
  });

  it("a second rotation retires the password the first one minted and keeps a short history", async () => {
    const kase = sandbox.addCredential("twice");
    const clock = new TestClock();
    result(await rotate(kase, clock));
    clock.advance(25 * HOUR);
    result(await rotate(kase, clock));
    const firstKey = sandbox.minted(kase)[0]!;

    const second = result(await rotate(kase, clock, { manual: true, actor: "cli:alice" }));
    expect(second.state).toBe("pushed");
    expect(sandbox.minted(kase)).toHaveLength(2);
    clock.advance(25 * HOUR);
    result(await rotate(kase, clock));
    const live = sandbox.minted(kase);
    expect(live).toHaveLength(1);
    expect(live[0]!.keyId).not.toBe(firstKey.keyId);
    expect(sandbox.ciValue(kase)).toBe(live[0]!.secretText);
    expect(sandbox.versions(kase).map((v) => v.enabled)).toEqual([false, false, true]);
    const journal = await journalOf("twice");
    expect(journal.trigger).toBe("manual");
    expect(new Set(journal.history.map((h) => h.rotationId)).size).toBe(2);
  });

  it("rotates a project variable; the app's other passwords are left alone when Key Vault names the live one", async () => {
    const kase = sandbox.addCredential("proj", { binding: "project", otherPasswords: 1 });
    const other = sandbox.passwords(kase).find((p) => p.keyId !== kase.oldKeyId)!;
    const clock = new TestClock();
    const first = result(await rotate(kase, clock));
    expect(first.state).toBe("pushed");
    // No context to look up for a project variable: its variables are listed (may the token's user manage it?), then set.
    expect(first.apiCallsBySystem.circleci).toBe(2);
    clock.advance(25 * HOUR);
    expect(result(await rotate(kase, clock)).state).toBe("retired");
    const keys = sandbox.passwords(kase).map((p) => p.keyId);
    expect(keys).toContain(other.keyId);
    expect(keys).not.toContain(kase.oldKeyId);
    expect(await sandbox.accepts(kase, sandbox.ciValue(kase))).toBe(true);
  });

  it("without a Key Vault record and with several passwords, removes none of the unknown ones", async () => {
    const kase = sandbox.addCredential("ambiguous", { seedVault: false, otherPasswords: 1 });
    const clock = new TestClock();
    result(await rotate(kase, clock));
    expect((await journalOf("ambiguous")).retire).toMatchObject({ keyIds: [], note: expect.stringMatching(/none will be removed/) });
    clock.advance(25 * HOUR);
    expect(result(await rotate(kase, clock)).state).toBe("retired");
    expect(sandbox.passwords(kase)).toHaveLength(3);
    expect(sandbox.minted(kase)).toHaveLength(1);
  });

  it("reads the value back from Key Vault by version when a later run pushes it", async () => {
    const kase = sandbox.addCredential("readback");
    const clock = new TestClock();
    sandbox.circleci.faults.set("context.envvar.put", { failTimes: 10, failStatus: 503 });
    try {
      const first = result(await rotate(kase, clock));
      expect(first).toMatchObject({ state: "verified", failure: { step: "push" } });
      expect(first.failure?.message).toMatch(/503/);
    } finally {
      sandbox.clearFaults();
    }
    expect(await pendingRotations(store)).toEqual(
      expect.arrayContaining([expect.objectContaining({ credential: "readback", state: "verified", pendingStep: "push", lastFailure: expect.objectContaining({ step: "push" }) })]),
    );
    const dry = await planRotation(store, kase.credential, { now: clock.now(), manual: false, snapshotComplete: true });
    expect(dry).toMatchObject({ state: "verified", wouldDo: ["reconcile", "push"] });
    sandbox.vault.log.clear();
    clock.advance(HOUR);
    const second = result(await rotate(kase, clock));
    expect(second.state).toBe("pushed");
    expect(sandbox.vault.log.entries.some((e) => e.route === keyVaultRoutes.getSecret && e.status === 200)).toBe(true);
    expect(sandbox.ciValue(kase)).toBe(sandbox.minted(kase)[0]!.secretText);
  });

  it("an unreadable journal is a failure that names the field; nothing is done", async () => {
    const kase = sandbox.addCredential("garbled");
    await store.put("journal", "garbled", { schema: 1, credential: "garbled", state: "flying" });
    const outcome = result(await rotate(kase, new TestClock()));
    expect(outcome.failure).toMatchObject({ step: "journal", message: expect.stringMatching(/journal record of garbled is unreadable: .*state/) });
    expect(outcome.apiCalls).toBe(0);
    expect(sandbox.minted(kase)).toHaveLength(0);
    expect(await pendingRotations(store)).toEqual(expect.arrayContaining([expect.objectContaining({ credential: "garbled", state: "unreadable" })]));
    await store.delete("journal", "garbled");
  });

  it("refuses what it cannot rotate, before minting anything", async () => {
    const kase = sandbox.addCredential("no-context");
    sandbox.circleci.state.removeContext("ctx-no-context");
    const outcome = result(await rotate(kase, new TestClock()));
    expect(outcome.failure).toMatchObject({ step: "start", message: expect.stringMatching(/no CircleCI context named ctx-no-context/) });
    expect(sandbox.minted(kase)).toHaveLength(0);
    expect(await store.get("journal", "no-context")).toBeNull();

    const watch = { ...kase.credential, action: "watch" as const };
    const refused = result(await rotateCredential(sandbox.ports(store), watch, { tenantId: sandbox.tenantId, now: () => new Date(), actor: "t", manual: true, snapshotComplete: true }));
    expect(refused.failure).toMatchObject({ step: "start", message: expect.stringMatching(/action: watch/) });
  });
});
