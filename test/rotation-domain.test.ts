import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RotationPolicy } from "#shared/domain/policy/index.js";
import {
  addHistory,
  checkBeforeRetire,
  chooseRetirement,
  historyLimit,
  isTerminal,
  nextAction,
  parseJournal,
  parseRotationDisplayName,
  previewRotation,
  reconcile,
  recordBlocked,
  recordFailure,
  recordIntent,
  recordMinted,
  recordPushed,
  recordStored,
  recordVerified,
  rotationDisplayName,
  rotationStates,
  stateIndex,
  startJournal,
  type ObservedVersion,
  type RotationJournal,
} from "#shared/domain/rotation/index.js";
import type { AppPassword } from "#shared/domain/snapshot.js";

// The pure part of the rotation: markers, decisions, reconciliation and the "before" picture.

const HOUR = 3_600_000;
const policy: RotationPolicy = { validityDays: 90, rotateBeforeDays: 30, overlapHours: 24 };
const t0 = new Date("2026-11-25T12:00:00.000Z");
const at = (hours: number) => new Date(t0.getTime() + hours * HOUR);

function journal(overrides: Partial<RotationJournal> = {}): RotationJournal {
  const base = startJournal({
    credential: "prod",
    rotationId: "R",
    trigger: "plan",
    reason: "due",
    actor: "timer",
    at: t0.toISOString(),
    app: { appId: "app", objectId: "obj" },
    vault: { secretName: "cci-prod" },
    ci: { kind: "context", context: "prod", contextId: "ctx", variable: "SECRET" },
    retire: { keyIds: ["old"], versions: ["v-old"] },
    previous: null,
  });
  return { ...base, ...overrides };
}

const pw = (keyId: string, displayName: string | null): AppPassword => ({ keyId, displayName, startDateTime: null, endDateTime: "2027-02-23T12:00:00.000Z" });
const ver = (version: string, tags: Record<string, string>, enabled = true): ObservedVersion => ({ version, enabled, tags });
const ours = (keyId: string, rotationId = "R") => pw(keyId, rotationDisplayName("prod", rotationId));

describe("markers", () => {
  it("round-trips the displayName of every minted password and ignores others", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9-]{1,30}$/), fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/), (credential, rotationId) => {
        expect(parseRotationDisplayName(rotationDisplayName(credential, rotationId))).toEqual({ credential, rotationId });
      }),
    );
    for (const name of [null, "", "CircleCI", "watchdog-rotation:", "watchdog-rotation:prod:", "watchdog-rotation::R"]) {
      expect(parseRotationDisplayName(name)).toBeNull();
    }
  });
});

describe("nextAction", () => {
  const ctx = { now: t0, manual: false, snapshotComplete: true, policy, valueInMemory: false };

  it("starts when never rotated; a recent rotation stops a plan-triggered start but not a manual one", () => {
    expect(nextAction(null, ctx)).toEqual({ kind: "start" });
    const done = { ...journal(), state: "retired" as const, minted: { keyId: "k", endDateTime: at(80 * 24).toISOString() }, retiredAt: at(25).toISOString() };
    expect(nextAction(done, ctx)).toMatchObject({ kind: "idle" });
    expect(nextAction(done, { ...ctx, manual: true })).toEqual({ kind: "start" });
    // Once the new secret is itself due, the plan may start the next rotation.
    expect(nextAction(done, { ...ctx, now: at(61 * 24) })).toEqual({ kind: "start" });
  });

  it("walks the states, reconciling first after any uncertain outcome", () => {
    expect(nextAction(journal(), ctx)).toEqual({ kind: "mint" });
    expect(nextAction(recordIntent(journal(), "mint", t0.toISOString()), ctx)).toMatchObject({ kind: "reconcile" });
    const minted = recordMinted(journal(), t0.toISOString(), { keyId: "k", endDateTime: "x" });
    expect(nextAction(minted, { ...ctx, valueInMemory: true })).toEqual({ kind: "store" });
    expect(nextAction(minted, ctx)).toMatchObject({ kind: "reconcile", reason: expect.stringMatching(/ended before storing/) });
    const stored = recordStored(minted, t0.toISOString(), "v");
    expect(nextAction(stored, ctx)).toEqual({ kind: "verify" });
    expect(nextAction(recordFailure(stored, "verify", t0.toISOString(), "no"), ctx)).toMatchObject({ kind: "reconcile" });
    const verified = recordVerified(stored, t0.toISOString(), 1);
    expect(nextAction(verified, ctx)).toEqual({ kind: "push" });
  });

  it("retires only after the overlap and on a complete inventory", () => {
    const pushed = recordPushed(journal({ state: "verified" }), t0.toISOString());
    const due = at(24).toISOString();
    expect(nextAction(pushed, { ...ctx, now: at(23.9) })).toMatchObject({ kind: "wait", until: due });
    expect(nextAction(pushed, { ...ctx, now: at(24), snapshotComplete: false })).toMatchObject({ kind: "wait", reason: expect.stringMatching(/incomplete/) });
    expect(nextAction(pushed, { ...ctx, now: at(24) })).toEqual({ kind: "retire" });
    fc.assert(
      fc.property(fc.double({ min: -1000, max: 1000, noNaN: true }), fc.boolean(), fc.boolean(), (hours, complete, manual) => {
        const action = nextAction(pushed, { ...ctx, now: at(hours), snapshotComplete: complete, manual });
        expect(action.kind === "retire").toBe(hours >= 24 && complete);
      }),
    );
  });

  it("the dry run names the steps a run would take", () => {
    expect(previewRotation(null, { now: t0, manual: true, snapshotComplete: true, policy })).toMatchObject({ state: "none", wouldDo: ["start", "mint", "store", "verify", "push"], waitingUntil: at(24).toISOString() });
    const pushed = recordPushed(journal({ state: "verified" }), t0.toISOString());
    expect(previewRotation(pushed, { now: at(1), manual: false, snapshotComplete: true, policy })).toMatchObject({ wouldDo: [], waitingUntil: at(24).toISOString() });
    expect(previewRotation(pushed, { now: at(25), manual: false, snapshotComplete: true, policy })).toMatchObject({ wouldDo: ["retire"] });
    expect(previewRotation(recordIntent(journal(), "mint", t0.toISOString()), { now: t0, manual: false, snapshotComplete: true, policy }).wouldDo[0]).toBe("reconcile");
  });
});

describe("reconcile", () => {
  const now = t0.toISOString();

  it("adopts a stored pair, removes unstored passwords of the rotation, never touches other passwords", () => {
    const uncertain = recordIntent(recordMinted(journal(), now, { keyId: "k1", endDateTime: "e" }), "store", now);
    const found = reconcile(uncertain, { passwords: [pw("old", "CircleCI"), ours("k1"), ours("k2"), ours("k9", "OTHER")], versions: [ver("v1", { rotationId: "R", keyId: "k1" })] }, now);
    expect(found.journal).toMatchObject({ state: "stored", minted: { keyId: "k1" }, stored: { version: "v1" }, pending: null, lastFailure: null });
    expect(found.orphanKeyIds).toEqual(["k2"]);
  });

  it("goes back to mint when the new password is gone, and disables its dead version at retire", () => {
    const pushed = recordPushed(recordVerified(recordStored(recordMinted(journal(), now, { keyId: "k1", endDateTime: "e" }), now, "v1"), now, 1), now);
    const found = reconcile(recordFailure(pushed, "retire", now, "gone"), { passwords: [pw("old", "CircleCI")], versions: [ver("v1", { rotationId: "R", keyId: "k1" })] }, now);
    expect(found.journal).toMatchObject({ state: "started", minted: null, stored: null, pushedAt: null });
    expect(found.journal.retire.versions).toEqual(["v-old", "v1"]);
    expect(found.journal.retire.keyIds).toEqual(["old"]);
  });

  it("properties over arbitrary worlds", () => {
    const keyId = fc.constantFrom("k1", "k2", "k3", "old");
    const password = fc.record({ keyId, rotation: fc.constantFrom("R", "OTHER", null) });
    const version = fc.record({ version: fc.constantFrom("v1", "v2", "v3"), keyId, rotationId: fc.constantFrom("R", "OTHER"), enabled: fc.boolean() });
    // Reconciliation runs on rotations in progress: the terminal states (retired, blocked) never reach it.
    const state = fc.constantFrom(...rotationStates.filter((s) => !isTerminal(s)));
    fc.assert(
      fc.property(fc.uniqueArray(password, { selector: (p) => p.keyId }), fc.uniqueArray(version, { selector: (v) => v.version }), state, keyId, (passwords, versions, s, journalKey) => {
        const before = journal({
          state: s,
          minted: stateIndex(s) >= stateIndex("minted") ? { keyId: journalKey, endDateTime: "e" } : null,
          stored: stateIndex(s) >= stateIndex("stored") ? { version: "v1" } : null,
          pending: { step: "store", since: now },
        });
        const world = {
          passwords: passwords.map((p) => pw(p.keyId, p.rotation ? rotationDisplayName("prod", p.rotation) : "foreign")),
          versions: versions.map((v) => ver(v.version, { rotationId: v.rotationId, keyId: v.keyId }, v.enabled)),
        };
        const { journal: after, orphanKeyIds } = reconcile(before, world, now);
        const ofR = passwords.filter((p) => p.rotation === "R").map((p) => p.keyId);
        // Only passwords of this rotation are ever removed.
        for (const k of orphanKeyIds) expect(ofR).toContain(k);
        // At most one password of the rotation survives, and it is the one the journal now names.
        const survivors = ofR.filter((k) => !orphanKeyIds.includes(k));
        expect(survivors.length).toBeLessThanOrEqual(1);
        if (survivors.length === 1) expect(after.minted?.keyId).toBe(survivors[0]);
        // A journal that names a stored pair names one that exists: the password and an enabled version tagged with it.
        if (after.stored) {
          expect(stateIndex(after.state)).toBeGreaterThanOrEqual(stateIndex("stored"));
          expect(survivors).toEqual([after.minted?.keyId]);
          expect(versions.some((v) => v.version === after.stored?.version && v.enabled && v.rotationId === "R" && v.keyId === after.minted?.keyId)).toBe(true);
        } else {
          expect(after.state).toBe("started");
        }
        expect(after.pending).toBeNull();
        expect(after.lastFailure).toBeNull();
        expect(after.retire.keyIds).toEqual(before.retire.keyIds);
        expect(after.retire.versions).not.toContain(after.stored?.version);
        expect(parseJournal("prod", JSON.parse(JSON.stringify(after))).ok).toBe(true);
      }),
    );
  });
});

describe("the before picture and the retire check", () => {
  it("retires what Key Vault names and earlier watchdog passwords; an only password; otherwise nothing", () => {
    const named = chooseRetirement({
      credential: "prod",
      passwords: [pw("live", "CircleCI"), pw("other", "someone else"), ours("prev", "OLD")],
      versions: [ver("v0", { keyId: "gone" }, false), ver("v1", { keyId: "live" })],
    });
    expect(named).toEqual({ keyIds: ["live", "prev"], versions: ["v1"] });
    expect(chooseRetirement({ credential: "prod", passwords: [pw("only", null)], versions: [] })).toEqual({ keyIds: ["only"], versions: [] });
    expect(chooseRetirement({ credential: "prod", passwords: [pw("a", null), pw("b", null)], versions: [] })).toMatchObject({ keyIds: [], note: expect.stringMatching(/none will be removed/) });
  });

  it("never removes the new password; removes strays of the rotation; refuses when the new one is gone", () => {
    const pushed = recordPushed(journal({ state: "verified", minted: { keyId: "new", endDateTime: "e" }, stored: { version: "v" } }), t0.toISOString());
    expect(checkBeforeRetire(pushed, [pw("old", "x"), ours("new"), ours("stray")])).toEqual({ ok: true, removeKeyIds: ["old", "stray"] });
    expect(checkBeforeRetire(pushed, [ours("new")])).toEqual({ ok: true, removeKeyIds: [] });
    expect(checkBeforeRetire(pushed, [pw("old", "x")])).toMatchObject({ ok: false });
    expect(checkBeforeRetire({ ...pushed, retire: { keyIds: ["new"], versions: [] } }, [ours("new")])).toEqual({ ok: true, removeKeyIds: [] });
  });

  it("a rotation Graph refused is blocked: terminal, idle for the cycles of the next 24 h, started again by a person or after them", () => {
    const blocked = recordBlocked(recordIntent(journal(), "mint", t0.toISOString()), t0.toISOString(), "Graph refused the new client secret (400 BadRequest)");
    expect(blocked).toMatchObject({ state: "blocked", pending: null, lastFailure: null, blocked: { at: t0.toISOString() } });
    expect(blocked.history.at(-1)).toMatchObject({ step: "mint", outcome: "refused" });
    expect(parseJournal("c", blocked)).toMatchObject({ ok: true });
    expect(isTerminal(blocked.state)).toBe(true);
    const ctx = (at: Date, manual: boolean) => ({ now: at, manual, snapshotComplete: true, policy, valueInMemory: false });
    expect(nextAction(blocked, ctx(new Date(t0.getTime() + 23 * 3_600_000), false))).toMatchObject({ kind: "idle", reason: expect.stringMatching(/blocked since .*watchdog rotate/) });
    expect(nextAction(blocked, ctx(new Date(t0.getTime() + 60_000), true))).toEqual({ kind: "start" });
    expect(nextAction(blocked, ctx(new Date(t0.getTime() + 24 * 3_600_000), false))).toEqual({ kind: "start" });
  });

  it("keeps a short history across rotations", () => {
    let j = journal();
    for (let i = 0; i < 200; i++) j = addHistory(j, t0.toISOString(), "verify", "failed");
    expect(j.history).toHaveLength(historyLimit);
    const next = startJournal({ ...j, at: t0.toISOString(), rotationId: "R2", previous: j });
    expect(next.history).toHaveLength(historyLimit);
    expect(next.history.at(-1)).toMatchObject({ rotationId: "R2", step: "start" });
  });
});
