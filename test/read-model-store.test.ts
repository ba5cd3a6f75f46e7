import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { generateWorld, worldShapes } from "../sandbox/world/generate.js";
import { buildAdapters } from "#shared/app/compose.js";
import { readSettings } from "#shared/app/settings.js";
import { parsePolicy, type Policy } from "#shared/domain/policy/index.js";
import { buildPlan } from "#shared/domain/plan/index.js";
import type { Plan } from "#shared/domain/finding.js";
import type { Snapshot } from "#shared/domain/snapshot.js";
import { takeInventory } from "#shared/engine/inventory.js";
import { acquireLease } from "#shared/engine/journaled/lease.js";
import {
  assembleRead,
  InstanceReads,
  loadRead,
  READ_FORMAT,
  readPointer,
  REFRESH_LEASE,
  ReadUnavailableError,
  saveRead,
  serveRead,
  storableSnapshot,
  type ReadModelDependencies,
  type ReadParts,
} from "#shared/engine/read-model/index.js";
import type { StateStore } from "#shared/ports/state-store.js";
import { secretValuesOf } from "./support/canaries.js";
import { stateStoreCases, type StartedStateStore } from "./support/state-stores.js";

// The read model over both state stores: the large benchmark world's read round-trips (compressed, in pieces
// that fit Azure Tables), reads move only forward, a torn read is never served, the format is tolerant, and
// refreshes are shared within an instance and across instances (one read of the world).

const allParts = ["snapshot", "plan", "progress", "result"] as const;
const identitySettings = ["IDENTITY_ENDPOINT", "IDENTITY_HEADER", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE", "MSI_ENDPOINT"];

const now = new Date("2026-12-03T09:00:00.000Z");
const large = generateWorld(worldShapes.large, now);
let largeRead: { snapshot: Snapshot; plan: Plan };
let canaries: string[];

function policyOf(yaml: string): Policy {
  const parsed = parsePolicy(yaml, { filename: "bench.policy.yaml", env: {} });
  if (!parsed.ok) throw new Error(`generated policy refused: ${JSON.stringify(parsed.errors)}`);
  return parsed.policy;
}

/**
 * The large world's ~22,000 values against 18 MB of text: `includes` for each would take minutes, so every run of
 * value-like characters in the text is looked up instead (a value leaked whole is such a run, or inside one).
 */
function leakedValues(text: string, values: string[]): string[] {
  const runs = text.match(/[A-Za-z0-9+/=_~.-]{12,}/g) ?? [];
  const exact = new Set(runs);
  const long = runs.filter((run) => run.length > 40);
  return values.filter((value) => exact.has(value) || long.some((run) => run.includes(value)));
}

/** A small read of our own making, at `takenAt`. */
function smallRead(takenAt: Date, extra: { kinds?: string[] } = {}): ReadParts {
  const snapshot: Snapshot = { takenAt: takenAt.toISOString(), circleci: { contexts: [], variables: [], projects: [] }, entra: { apps: [] }, keyVault: null, errors: [] };
  const plan = buildPlan(snapshot, policyOf("version: 1\ncredentials: []\n"), takenAt, { vaultConfigured: false });
  return { snapshot, plan: { ...plan, findings: (extra.kinds ?? []).map((kind) => ({ id: `${kind}:x`, kind, severity: "warning", credential: "x", bound: false, source: {}, message: kind, nextStep: "" }) as never) }, progress: { rotations: [] } };
}

const readLargeWorld = async () => {
  const saved = new Map(identitySettings.map((name) => [name, process.env[name]]));
  const sandbox: Sandbox = await startSandbox(large.world, { now: () => now });
  try {
    for (const name of identitySettings) delete process.env[name];
    Object.assign(process.env, { IDENTITY_ENDPOINT: sandbox.env.IDENTITY_ENDPOINT, IDENTITY_HEADER: sandbox.env.IDENTITY_HEADER });
    const policy = policyOf(large.policyYaml);
    const adapters = buildAdapters(readSettings({ ...sandbox.env, WATCHDOG_STATE_DIR: "/nonexistent-unused" }), { vault: true }, "cli");
    const snapshot = await takeInventory(adapters, policy, { now });
    largeRead = { snapshot, plan: buildPlan(snapshot, policy, now, { vaultConfigured: true }) };
    canaries = secretValuesOf(large.world, [sandbox.signingSecret]);
  } finally {
    await sandbox.close();
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
};


describe("the large benchmark world", () => {
  beforeAll(readLargeWorld, 120_000);
describe.each(stateStoreCases())("the large benchmark world's cycle in the $name store", (kase) => {
    let started: StartedStateStore;
    let store: StateStore;
    beforeEach(async () => {
      started = await kase.start();
      store = started.store;
    });
    afterEach(() => started.stop());
  
    it("stores the large benchmark world's cycle in pieces that fit Azure Tables, and reads it back whole, without any value", async () => {
      expect(largeRead.snapshot.errors).toEqual([]);
      expect(largeRead.snapshot.circleci.variables).toHaveLength(13_000);
      const result = { startedAt: now.toISOString(), finishedAt: now.toISOString(), dryRun: false, actor: "timer", rotations: [], migrations: [], enqueued: [], alerts: { raised: [], sent: 0, failed: 0, pending: 0, baseline: false, deliveries: [] }, failures: [] };
      const parts = await assembleRead(store, { ...largeRead, result });
      const saved = await saveRead(store, { origin: "cycle", parts }, now);
      expect(saved.stored).toBe(true);
      if (!saved.stored) return;
      const { pointer } = saved;
      console.log(`large world read: ${Object.entries(pointer.parts).map(([part, info]) => `${part} ${info.bytes} bytes JSON in ${info.chunks} pieces`).join(", ")}`);
      expect(pointer.parts.snapshot!.bytes).toBeGreaterThan(1_000_000);
  
      // Loaded without this instance's memo: every piece comes from the store.
      const loaded = await loadRead(store, allParts);
      expect(loaded.kind).toBe("found");
      if (loaded.kind !== "found") return;
      expect(loaded.read.info).toEqual({ takenAt: largeRead.snapshot.takenAt, complete: true, origin: "cycle", storedAt: now.toISOString() });
      expect(loaded.read.parts.snapshot).toEqual(storableSnapshot(largeRead.snapshot));
      expect(loaded.read.parts.plan).toEqual(largeRead.plan);
      expect(loaded.read.parts.result).toEqual(result);
  
      const records = await store.list<unknown>("reads");
      // The value of each record stays within one Azure Tables property (64 KiB as UTF-16).
      expect(Math.max(...records.map((r) => JSON.stringify(r.value).length * 2))).toBeLessThanOrEqual(64 * 1024);
      // Graph's hint (the first characters of a value) is not kept, nor is any value.
      expect(JSON.stringify(loaded.read.parts.snapshot)).not.toContain('"hint"');
      expect(leakedValues(JSON.stringify(loaded.read.parts), canaries)).toEqual([]);
    }, 60_000);
  
  });
});

describe.each(stateStoreCases())("read model in the $name store", (kase) => {
  let started: StartedStateStore;
  let store: StateStore;
  beforeEach(async () => {
    started = await kase.start();
    store = started.store;
  });
  afterEach(() => started.stop());

  it("moves only forward: an older read stored late is dropped, and the pieces of replaced reads are removed", async () => {
    const first = await saveRead(store, { origin: "cycle", parts: smallRead(new Date(now.getTime() - 60_000)) }, now);
    const second = await saveRead(store, { origin: "refresh", parts: smallRead(now) }, now);
    const late = await saveRead(store, { origin: "cycle", parts: smallRead(new Date(now.getTime() - 30_000)) }, now);
    expect([first.stored, second.stored, late.stored]).toEqual([true, true, false]);
    const pointer = await readPointer(store);
    expect(pointer.kind === "found" && pointer.pointer).toMatchObject({ origin: "refresh", takenAt: now.toISOString(), format: READ_FORMAT });
    const pieceIds = new Set((await store.list("reads", "part/")).map((r) => r.key.split("/")[1]));
    expect([...pieceIds]).toEqual([second.stored ? second.pointer.id : ""]);
  });

  it("never serves a torn read: a missing or altered piece makes it unreadable, not wrong", async () => {
    await saveRead(store, { origin: "cycle", parts: smallRead(now) }, now);
    const pieces = await store.list<{ d: string }>("reads", "part/");
    const planPiece = pieces.find((p) => p.key.includes("/plan/"))!;
    const d = planPiece.value.d;
    const at = Math.floor(d.length / 2);
    await store.put("reads", planPiece.key, { d: `${d.slice(0, at)}${d[at] === "A" ? "B" : "A"}${d.slice(at + 1)}` });
    const altered = await loadRead(store, ["plan"]);
    expect(altered).toMatchObject({ kind: "unreadable", problem: expect.stringContaining("checksum") });
    await store.delete("reads", planPiece.key);
    expect(await loadRead(store, ["plan"])).toMatchObject({ kind: "unreadable", problem: expect.stringContaining("0 of 1 pieces") });
    // The other parts are intact and still served.
    expect((await loadRead(store, ["snapshot"])).kind).toBe("found");
  });

  it("is tolerant: unknown fields, parts and finding kinds pass through; another format counts as nothing readable", async () => {
    const parts = smallRead(now, { kinds: ["exposed", "drifted"] });
    await saveRead(store, { origin: "cycle", parts: { ...parts, plan: { ...parts.plan, addedLater: { by: "issue 13" } } as Plan } }, now);
    const pointer = await store.get<Record<string, unknown>>("reads", "latest");
    await store.put("reads", "latest", { ...pointer!.value, addedLater: true, parts: { ...(pointer!.value.parts as object), doctor: { chunks: 1 } } });
    const loaded = await loadRead(store, ["plan"]);
    expect(loaded.kind).toBe("found");
    if (loaded.kind === "found") {
      expect(loaded.read.parts.plan.findings.map((f) => f.kind)).toEqual(["exposed", "drifted"]);
      expect((loaded.read.parts.plan as Plan & { addedLater?: unknown }).addedLater).toEqual({ by: "issue 13" });
    }
    await store.put("reads", "latest", { ...pointer!.value, format: READ_FORMAT + 1 });
    expect(await loadRead(store, ["plan"])).toMatchObject({ kind: "unreadable", problem: expect.stringContaining(`format ${READ_FORMAT + 1}`) });
  });

  describe("refreshes", () => {
    let worldReads: number;
    let clock: Date;
    const instance = (reads: InstanceReads, overrides: Partial<ReadModelDependencies> = {}): ReadModelDependencies => ({
      store,
      instance: reads,
      now: () => clock,
      minIntervalMs: 0,
      holder: "test",
      actor: "http:test",
      pollMs: 5,
      maxWaitMs: 5_000,
      readWorld: async () => {
        worldReads++;
        // A read of the world takes a while: long enough for every other request to arrive meanwhile.
        await new Promise((resolve) => setTimeout(resolve, 150));
        return { origin: "refresh", parts: smallRead(clock) };
      },
      ...overrides,
    });
    beforeEach(() => {
      worldReads = 0;
      clock = now;
    });

    it("nothing stored yet: the first request reads the world, the next is served from the store", async () => {
      const deps = instance(new InstanceReads());
      const first = await serveRead(deps, ["plan"], { refresh: false });
      expect(first).toMatchObject({ refresh: "ran", info: { origin: "refresh", takenAt: now.toISOString() } });
      const second = await serveRead(deps, ["plan"], { refresh: false });
      expect(second.refresh).toBeUndefined();
      expect(second.id).toBe(first.id);
      expect(worldReads).toBe(1);
    });

    it("concurrent refreshes in two instances make one read of the world, and all are served it", async () => {
      await saveRead(store, { origin: "cycle", parts: smallRead(new Date(now.getTime() - 3_600_000)) }, now);
      const a = instance(new InstanceReads());
      const b = instance(new InstanceReads());
      const served = await Promise.all([a, b, a, b, a, b].map((deps) => serveRead(deps, ["plan", "snapshot"], { refresh: true })));
      expect(worldReads).toBe(1);
      expect(new Set(served.map((s) => s.id)).size).toBe(1);
      expect(served.map((s) => s.info.takenAt)).toEqual(Array(6).fill(now.toISOString()));
      expect(served.filter((s) => s.refresh === "ran")).toHaveLength(1);
      expect(served.filter((s) => s.refresh === "shared")).toHaveLength(5);
      // The lease was given back.
      expect(await store.get("leases", REFRESH_LEASE)).toBeNull();
    });

    it("a refresh within the minimum interval of the stored read answers from it", async () => {
      await saveRead(store, { origin: "cycle", parts: smallRead(now) }, now);
      clock = new Date(now.getTime() + 59_000);
      const served = await serveRead(instance(new InstanceReads(), { minIntervalMs: 60_000 }), ["plan"], { refresh: true });
      expect(served).toMatchObject({ refresh: "too-soon", info: { origin: "cycle", takenAt: now.toISOString() } });
      clock = new Date(now.getTime() + 61_000);
      const later = await serveRead(instance(new InstanceReads(), { minIntervalMs: 60_000 }), ["plan"], { refresh: true });
      expect(later).toMatchObject({ refresh: "ran", info: { origin: "refresh", takenAt: clock.toISOString() } });
      expect(worldReads).toBe(1);
    });

    it("another instance's refresh that does not finish: the stored read is served as busy, or 'unavailable' when there is none", async () => {
      await acquireLease(store, REFRESH_LEASE, { holder: "elsewhere", actor: "http:bob", now, ttlMs: 600_000 });
      await expect(serveRead(instance(new InstanceReads(), { maxWaitMs: 20 }), ["plan"], { refresh: true })).rejects.toBeInstanceOf(ReadUnavailableError);
      await saveRead(store, { origin: "cycle", parts: smallRead(new Date(now.getTime() - 3_600_000)) }, now);
      const served = await serveRead(instance(new InstanceReads(), { maxWaitMs: 20 }), ["plan"], { refresh: true });
      expect(served.refresh).toBe("busy");
      expect(worldReads).toBe(0);
    });
  });
});

