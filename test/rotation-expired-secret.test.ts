import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { entraRouteNames } from "../sandbox/entra/index.js";
import { rotateCredential, type RotationOutcome, type RotationResult } from "#shared/engine/rotation/index.js";
import { HOUR, startRotationSandbox, TestClock, type RotationCase, type RotationSandbox } from "./support/rotation-sandbox.js";
import { startLocalStateStore, type StartedStateStore } from "./support/state-stores.js";
import { instantPropagation } from "./support/rotation-scenario.js";

// Entra refuses an expired client secret with AADSTS7000222 and a wrong one with AADSTS7000215 (which some
// documentation also gives for an expired one). Waiting cannot make an expired secret work: the verify step
// must fail at once on 7000222, and on any refusal once the secret's endDateTime has passed by our clock.

const DAY = 24 * HOUR;
// Many attempts with short waits: a retried expired secret shows as several token requests in one run.
const testRetry = { attempts: 6, minDelayMs: 5, maxDelayMs: 10 };

let sandbox: RotationSandbox;
const stores: StartedStateStore[] = [];

beforeAll(async () => {
  sandbox = await startRotationSandbox();
});
afterEach(() => {
  sandbox.clearFaults();
  sandbox.directory.entra.expiredSecretCode = 7000222;
});
afterAll(async () => {
  await sandbox?.close();
  await Promise.all(stores.map((s) => s.stop()));
});

const tokenRequests = () => sandbox.directory.entra.log.entries.filter((e) => e.route === entraRouteNames.token).length;

/** Run 1 mints and stores, but Entra has not accepted the new secret yet: the rotation waits in `stored` to be verified. */
async function storedButUnverified(name: string): Promise<{ kase: RotationCase; clock: TestClock; rotate: () => Promise<RotationOutcome> }> {
  const kase = sandbox.addCredential(name);
  const started = await startLocalStateStore();
  stores.push(started);
  const clock = new TestClock();
  const rotate = () =>
    rotateCredential(sandbox.ports(started.store), kase.credential, { tenantId: sandbox.tenantId, now: clock.now, actor: "timer", manual: false, snapshotComplete: true, testRetry, propagation: instantPropagation });
  sandbox.directory.entra.propagationDelayMs = 60_000;
  const first = (await rotate()) as RotationResult;
  sandbox.directory.entra.propagationDelayMs = 0;
  expect(first).toMatchObject({ state: "stored", failure: { step: "verify" } });
  return { kase, clock, rotate };
}

/** The minted password's end, as Entra sees it, is now in the past. */
function expireInEntra(kase: RotationCase): void {
  const [minted] = sandbox.minted(kase);
  if (!minted) throw new Error("no minted password");
  minted.endDateTime = new Date(Date.now() - HOUR).toISOString();
}

describe("verifying a new secret that has expired", () => {
  it("AADSTS7000222 is final: one token request, a failure naming the expiry, nothing pushed", async () => {
    const { kase, clock, rotate } = await storedButUnverified("expired-7000222");
    expireInEntra(kase);
    clock.advance(HOUR);
    const before = tokenRequests();
    const second = (await rotate()) as RotationResult;
    expect(second).toMatchObject({ state: "stored", failure: { step: "verify", message: expect.stringMatching(/expired \(AADSTS7000222\)/) } });
    expect(tokenRequests() - before).toBe(1);
    expect(sandbox.ciValue(kase)).toBe(kase.oldValue);
  });

  it("a refusal after the secret's endDateTime (by our clock) is final whatever the code: 7000215 is not retried", async () => {
    const { kase, clock, rotate } = await storedButUnverified("expired-7000215");
    sandbox.directory.entra.expiredSecretCode = 7000215;
    expireInEntra(kase);
    // Past the 90 days the new password was minted for.
    clock.advance(91 * DAY);
    const before = tokenRequests();
    const second = (await rotate()) as RotationResult;
    expect(second.failure).toMatchObject({ step: "verify", message: expect.stringMatching(/it expired at .*AADSTS7000215/) });
    expect(tokenRequests() - before).toBe(1);
    expect(sandbox.ciValue(kase)).toBe(kase.oldValue);
  });

  it("7000215 before the endDateTime is still taken for propagation and retried", async () => {
    const { kase, clock, rotate } = await storedButUnverified("not-yet-7000215");
    sandbox.directory.entra.expiredSecretCode = 7000215;
    expireInEntra(kase);
    clock.advance(HOUR);
    const before = tokenRequests();
    const second = (await rotate()) as RotationResult;
    expect(second.failure).toMatchObject({ step: "verify", message: expect.stringMatching(/did not accept the new secret after 6 attempts/) });
    expect(tokenRequests() - before).toBe(6);
  });
});
