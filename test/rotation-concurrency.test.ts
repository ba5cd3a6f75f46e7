import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphRouteNames } from "../sandbox/graph/index.js";
import { createAzureStateStore } from "#shared/adapters/state/azure/index.js";
import { createLocalStateStore } from "#shared/adapters/state/local/index.js";
import { rotateCredential, type RotationOutcome } from "#shared/engine/rotation/index.js";
import type { WatchdogPorts } from "#shared/ports/index.js";
import type { StateStore } from "#shared/ports/state-store.js";
import { HOUR, startRotationSandbox, TestClock, type RotationCase, type RotationSandbox } from "./support/rotation-sandbox.js";
import { fastTestRetry, instantPropagation } from "./support/rotation-scenario.js";
import { stateStoreCases, type StartedStateStore } from "./support/state-stores.js";

// One rotation per credential at a time: the timer, an HTTP request and a second instance (separate
// adapter objects, a separate state store object over the same storage) racing on one credential.

let sandbox: RotationSandbox;

beforeAll(async () => {
  sandbox = await startRotationSandbox();
});
afterAll(() => sandbox?.close());

/** Another instance's view of the same storage: a new store object, as a second Function App instance has. */
function secondStore(started: StartedStateStore): StateStore {
  if (started.dir) return createLocalStateStore({ dir: started.dir });
  return createAzureStateStore({ connectionString: started.connection!, tablePrefix: started.tablePrefix });
}

function run(ports: WatchdogPorts, kase: RotationCase, clock: TestClock, actor: string, manual: boolean): Promise<RotationOutcome> {
  return rotateCredential(ports, kase.credential, { tenantId: sandbox.tenantId, now: clock.now, actor, manual, snapshotComplete: true, testRetry: fastTestRetry, propagation: instantPropagation });
}

/** Holds every call of one port method until `open()`; the call then goes to the real adapter. */
function gate<T extends object>(target: T, method: string): { port: T; reached: Promise<void>; open: () => void } {
  let open!: () => void;
  let reached!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const arrived = new Promise<void>((resolve) => (reached = resolve));
  const port = new Proxy(target, {
    get(object, property) {
      const member: unknown = Reflect.get(object, property, object);
      if (property !== method || typeof member !== "function") return member;
      return async (...args: unknown[]) => {
        reached();
        await opened;
        return (member as (...a: unknown[]) => Promise<unknown>).apply(object, args);
      };
    },
  });
  return { port, reached: arrived, open };
}

let serial = 0;

describe.each(stateStoreCases())("rotation concurrency ($name state store)", (storeCase) => {
  let started: StartedStateStore;

  beforeAll(async () => {
    started = await storeCase.start();
  });
  afterAll(() => started?.stop());

  it("the timer, an HTTP request and a second instance at once: exactly one new password", async () => {
    const kase = sandbox.addCredential(`race-${storeCase.name}-${++serial}`);
    const clock = new TestClock();
    const outcomes = await Promise.all([
      run(sandbox.ports(started.store), kase, clock, "timer", false),
      run(sandbox.ports(secondStore(started)), kase, clock, "http:alice", true),
      run(sandbox.ports(secondStore(started)), kase, clock, "instance-2", false),
    ]);
    expect(sandbox.mintCalls(kase)).toBe(1);
    expect(sandbox.minted(kase)).toHaveLength(1);
    expect(sandbox.ciValue(kase)).toBe(sandbox.minted(kase)[0]!.secretText);
    // Whoever lost either met the lease ("already rotating") or found the rotation already pushed.
    const worked = outcomes.filter((o) => !o.busy && o.steps.some((s) => s.step === "mint"));
    expect(worked).toHaveLength(1);
    for (const o of outcomes.filter((o) => o !== worked[0])) {
      if (o.busy) expect(o.message).toMatch(/^already rotating/);
      else expect(o).toMatchObject({ state: "pushed", apiCalls: 0 });
    }

    // After the overlap, four instances race to retire: the old password goes once, nothing breaks.
    clock.advance(25 * HOUR);
    const retires = await Promise.all(
      [0, 1, 2, 3].map((i) => run(sandbox.ports(i === 0 ? started.store : secondStore(started)), kase, clock, `instance-${i}`, false)),
    );
    expect(retires.filter((o) => !o.busy && o.failure)).toEqual([]);
    expect(sandbox.passwords(kase).map((p) => p.keyId)).toEqual([sandbox.minted(kase)[0]!.keyId]);
    expect(await sandbox.accepts(kase, sandbox.ciValue(kase))).toBe(true);
  });

  it("a request while another run holds the lease gets a clear 'already rotating' answer", async () => {
    const kase = sandbox.addCredential(`busy-${storeCase.name}-${++serial}`);
    const clock = new TestClock();
    const ports = sandbox.ports(started.store);
    const held = gate(ports.directory, "addPassword");
    const first = run({ ...ports, directory: held.port }, kase, clock, "timer", false);
    await held.reached;
    const second = await run(sandbox.ports(secondStore(started)), kase, clock, "http:bob", true);
    expect(second).toMatchObject({ busy: true, heldBy: "timer", until: new Date(clock.now().getTime() + 15 * 60_000).toISOString() });
    expect(second.busy && second.message).toMatch(/already rotating: .* is held by timer until/);
    held.open();
    expect(await first).toMatchObject({ state: "pushed" });
    expect(sandbox.mintCalls(kase)).toBe(1);
  });

  it("a holder that stalls past its lease is taken over; its late call leaves a stray that retire removes", async () => {
    const kase = sandbox.addCredential(`stale-${storeCase.name}-${++serial}`);
    const clock = new TestClock();
    const slowPorts = sandbox.ports(started.store);
    const held = gate(slowPorts.directory, "addPassword");
    const slowClock = new TestClock(clock.now());
    const slow = run({ ...slowPorts, directory: held.port }, kase, slowClock, "instance-1", false);
    await held.reached;

    // An hour later (the lease has expired) another instance takes over and finishes the first cycle.
    clock.advance(HOUR);
    const takeover = await run(sandbox.ports(secondStore(started)), kase, clock, "instance-2", false);
    expect(takeover).toMatchObject({ state: "pushed" });
    expect(!takeover.busy && takeover.steps.map((s) => s.step)).toContain("reconcile");

    // The stalled call now reaches Graph; its run can no longer write the journal and stops.
    held.open();
    const late = await slow;
    expect(late).toMatchObject({ busy: true, message: expect.stringMatching(/already rotating/) });
    expect(sandbox.mintCalls(kase)).toBe(2);
    expect(sandbox.minted(kase)).toHaveLength(2);
    expect(await sandbox.accepts(kase, sandbox.ciValue(kase))).toBe(true);

    clock.advance(25 * HOUR);
    expect(await run(sandbox.ports(started.store), kase, clock, "timer", false)).toMatchObject({ state: "retired" });
    expect(sandbox.minted(kase)).toHaveLength(1);
    expect(sandbox.passwords(kase)).toHaveLength(1);
    expect(sandbox.ciValue(kase)).toBe(sandbox.minted(kase)[0]!.secretText);
    expect(sandbox.directory.graph.log.count((e) => e.route === graphRouteNames.removePassword && e.path.includes(kase.app.id))).toBe(2);
  });
});
