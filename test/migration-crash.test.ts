import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { graphRouteNames } from "../sandbox/graph/index.js";
import { parseMigrationJournal, type MigrationJournal } from "#shared/domain/migration/index.js";
import type { OidcCredential } from "#shared/domain/policy/index.js";
import { migrateCredential, retireMigration, rollbackMigration, type MigrationOutcome, type MigrationResult } from "#shared/engine/migration/index.js";
import type { StateStore } from "#shared/ports/state-store.js";
import { DAY, startMigrationSandbox, TestClock, type MigrationCase, type MigrationSandbox } from "./support/migration-sandbox.js";
import { instantPropagation } from "./support/rotation-scenario.js";
import { startLocalStateStore, type StartedStateStore } from "./support/state-stores.js";

// A run that stops after every step of the migration (the emulators fail the next call with failTimes),
// then the next run: it completes, with no duplicate federated credential and nothing removed early.

let sandbox: MigrationSandbox;
let started: StartedStateStore;
let store: StateStore;
const outputs: unknown[] = [];
const fail = { failTimes: 10, failStatus: 503 };

beforeAll(async () => {
  sandbox = await startMigrationSandbox();
  started = await startLocalStateStore();
  store = started.store;
});
afterEach(() => sandbox.clearFaults());
afterAll(async () => {
  await sandbox?.close();
  await started?.stop();
});

function done(outcome: MigrationOutcome): MigrationResult {
  outputs.push(outcome);
  if (outcome.busy) throw new Error(`unexpectedly busy: ${outcome.message}`);
  return outcome;
}

const migrate = async (credential: OidcCredential, clock: TestClock) => done(await migrateCredential(sandbox.ports(store), credential, sandbox.migrateOptions(clock)));

const rollback = async (credential: OidcCredential, clock: TestClock) =>
  done(
    await rollbackMigration(sandbox.ports(store), credential, {
      orgId: sandbox.orgId,
      tenantId: sandbox.tenantId,
      now: clock.now,
      actor: "cli:ops",
      testRetry: { attempts: 3, minDelayMs: 10, maxDelayMs: 20 }, propagation: instantPropagation,
    }),
  );

async function journalOf(name: string): Promise<MigrationJournal> {
  const parsed = parseMigrationJournal(name, (await store.get<unknown>("migrations", name))?.value);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.journal;
}

/** Every wanted subject federated exactly once, and Graph was asked to create each exactly once. */
function expectFederatedOnce(kase: MigrationCase): void {
  const wanted = kase.projectIds.flatMap((p) => kase.userIds.map((u) => `org/${sandbox.orgId}/project/${p}/user/${u}`)).sort();
  expect(sandbox.fics(kase).map((f) => f.subject).sort()).toEqual(wanted);
  expect(sandbox.graphCalls(kase, graphRouteNames.ficCreate, 201)).toBe(wanted.length);
  // Never even asked to create one that existed (Graph would refuse it with 409 or 400).
  expect(sandbox.graphCalls(kase, graphRouteNames.ficCreate, 409) + sandbox.graphCalls(kase, graphRouteNames.ficCreate, 400)).toBe(0);
}

describe("a crash after every step of the migration, then the next run", () => {
  it("after plan (the FIC listing fails): nothing federated; the next run federates", async () => {
    const kase = sandbox.addCase("crash-plan", { users: 2 });
    const clock = new TestClock();
    sandbox.sandbox.directory.graph.faults.set(graphRouteNames.ficList, fail);
    const crashed = await migrate(kase.credential, clock);
    expect(crashed.failure?.step).toBe("federate");
    expect(crashed.state).toBe("planned");
    expect(sandbox.fics(kase)).toEqual([]);
    sandbox.clearFaults();
    expect((await migrate(kase.credential, clock)).state).toBe("waiting");
    expectFederatedOnce(kase);
  });

  it("in the middle of federate (the second FIC's creation fails): the next run creates only the missing one", async () => {
    const kase = sandbox.addCase("crash-federate", { users: 3 });
    const clock = new TestClock();
    sandbox.failAfter(graphRouteNames.ficCreate, 1, fail);
    const crashed = await migrate(kase.credential, clock);
    expect(crashed.failure?.step).toBe("federate");
    expect(sandbox.fics(kase)).toHaveLength(1);
    const journal = await journalOf(kase.name);
    expect(journal.pending?.step).toBe("federate");
    expect(journal.lastFailure?.step).toBe("federate");
    expect(crashed.status.lastFailure?.message).toBeTruthy();
    sandbox.clearFaults();
    const resumed = await migrate(kase.credential, clock);
    expect(resumed.failure).toBeUndefined();
    expect(resumed.state).toBe("waiting");
    expectFederatedOnce(kase);
  });

  it("after federate (setting the ids in CircleCI fails): the next run keeps the FICs and sets the ids", async () => {
    const kase = sandbox.addCase("crash-configure", { users: 2 });
    const clock = new TestClock();
    sandbox.sandbox.circleci.faults.set("context.envvar.put", fail);
    const crashed = await migrate(kase.credential, clock);
    expect(crashed.failure?.step).toBe("configure");
    expect(crashed.state).toBe("planned");
    expect(sandbox.fics(kase)).toHaveLength(2);
    expect(sandbox.value(kase, "AZURE_CLIENT_ID")).toBeUndefined();
    sandbox.clearFaults();
    const resumed = await migrate(kase.credential, clock);
    expect(resumed.state).toBe("waiting");
    expect(sandbox.value(kase, "AZURE_CLIENT_ID")).toBe(kase.app.appId);
    expect(sandbox.value(kase, "AZURE_TENANT_ID")).toBe(sandbox.tenantId);
    expectFederatedOnce(kase);
  });

  it("in the middle of configure (the tenant id fails after the client id): the next run finishes", async () => {
    const kase = sandbox.addCase("crash-configure-mid");
    const clock = new TestClock();
    sandbox.failAfter("context.envvar.put", 1, fail);
    expect((await migrate(kase.credential, clock)).failure?.step).toBe("configure");
    expect(sandbox.value(kase, "AZURE_CLIENT_ID")).toBe(kase.app.appId);
    expect(sandbox.value(kase, "AZURE_TENANT_ID")).toBeUndefined();
    sandbox.clearFaults();
    expect((await migrate(kase.credential, clock)).state).toBe("waiting");
    expect(sandbox.value(kase, "AZURE_TENANT_ID")).toBe(sandbox.tenantId);
    expectFederatedOnce(kase);
  });

  it("after switch (the evidence cannot be read once the quiet period is over): nothing is removed; the next run retires", async () => {
    const kase = sandbox.addCase("crash-check");
    const clock = new TestClock();
    expect((await migrate(kase.credential, clock)).state).toBe("waiting");
    clock.advance(10 * DAY);
    sandbox.sandbox.directory.graph.faults.set(graphRouteNames.signInActivities, fail);
    const crashed = await migrate(kase.credential, clock);
    expect(crashed.failure?.step).toBe("check");
    expect(crashed.state).toBe("waiting");
    expect(sandbox.value(kase, kase.variable)).toBe(kase.secret.value);
    sandbox.clearFaults();
    expect((await migrate(kase.credential, clock)).state).toBe("retired");
    expect(sandbox.value(kase, kase.variable)).toBeUndefined();
    expectFederatedOnce(kase);
  });

  it("after check (removing the variable fails): the approval is journaled and the next run finishes the retirement", async () => {
    const kase = sandbox.addCase("crash-retire");
    const clock = new TestClock();
    await migrate(kase.credential, clock);
    clock.advance(10 * DAY);
    sandbox.sandbox.circleci.faults.set("context.envvar.delete", fail);
    const crashed = await migrate(kase.credential, clock);
    expect(crashed.failure?.step).toBe("retire");
    const journal = await journalOf(kase.name);
    expect(journal.pending?.step).toBe("retire");
    expect(journal.retireApproval).toMatchObject({ basis: "evidence", keyIds: [kase.secret.keyId] });
    expect(sandbox.value(kase, kase.variable)).toBe(kase.secret.value);
    expect(sandbox.passwords(kase).map((p) => p.keyId)).toEqual([kase.secret.keyId]);
    sandbox.clearFaults();
    expect((await migrate(kase.credential, clock)).state).toBe("retired");
    expect(sandbox.value(kase, kase.variable)).toBeUndefined();
    expect(sandbox.passwords(kase)).toEqual([]);
    expectFederatedOnce(kase);
  });

  it("in the middle of a confirmed retirement (the password removal fails): the timer's run, without a confirmation, finishes it", async () => {
    const kase = sandbox.addCase("crash-retire-confirmed");
    const clock = new TestClock();
    const directory = sandbox.sandbox.directory.state;
    directory.signInReportsAvailable = false;
    try {
      await migrate(kase.credential, clock);
      clock.advance(10 * DAY);
      expect((await migrate(kase.credential, clock)).blocked?.kind).toBe("no-evidence");
      sandbox.sandbox.directory.graph.faults.set(graphRouteNames.removePassword, fail);
      const crashed = done(await retireMigration(sandbox.ports(store), kase.credential, { ...sandbox.migrateOptions(clock, { actor: "cli:ops" }), confirm: true }));
      expect(crashed.failure?.step).toBe("retire");
      expect(sandbox.value(kase, kase.variable)).toBeUndefined();
      expect(sandbox.passwords(kase)).toHaveLength(1);
      sandbox.clearFaults();
      const resumed = await migrate(kase.credential, clock);
      expect(resumed.state).toBe("retired");
      expect(sandbox.passwords(kase)).toEqual([]);
      expect((await journalOf(kase.name)).retireApproval).toMatchObject({ basis: "confirmed", by: "cli:ops" });
    } finally {
      directory.signInReportsAvailable = true;
    }
  });
});

describe("a crash during rollback, then the next rollback", () => {
  it("minting the new secret fails: the FICs stay, the timer does not migrate on, the next rollback mints once and finishes", async () => {
    const kase = sandbox.addCase("crash-rollback-mint", { users: 2 });
    const clock = new TestClock();
    await migrate(kase.credential, clock);
    clock.advance(10 * DAY);
    expect((await migrate(kase.credential, clock)).state).toBe("retired");

    sandbox.sandbox.directory.graph.faults.set(graphRouteNames.addPassword, fail);
    const crashed = await rollback(kase.credential, clock);
    expect(crashed.failure?.step).toBe("rollback");
    expect(crashed.failure?.message).toContain("issuing a new client secret failed");
    expect(crashed.status.status).toBe("rolling-back");
    expect(sandbox.fics(kase)).toHaveLength(2);
    sandbox.clearFaults();

    const timer = await migrate(kase.credential, clock);
    expect(timer.note).toContain("rollback");
    expect(sandbox.fics(kase)).toHaveLength(2);

    const resumed = await rollback(kase.credential, clock);
    expect(resumed.failure).toBeUndefined();
    expect(resumed.state).toBe("rolled-back");
    expect(sandbox.fics(kase)).toEqual([]);
    expect(sandbox.graphCalls(kase, graphRouteNames.addPassword, 200)).toBe(1);
    expect(await sandbox.signIn(kase)).toBe(true);
  });

  it("removing the FICs fails part-way: the next rollback removes the rest without minting again", async () => {
    const kase = sandbox.addCase("crash-rollback-fics", { users: 3 });
    const clock = new TestClock();
    await migrate(kase.credential, clock);
    clock.advance(10 * DAY);
    await migrate(kase.credential, clock);
    sandbox.failAfter(graphRouteNames.ficDelete, 1, fail);
    const crashed = await rollback(kase.credential, clock);
    expect(crashed.failure?.step).toBe("rollback");
    expect(sandbox.fics(kase)).toHaveLength(2);
    expect((await journalOf(kase.name)).rollback?.rotationId).toBeTruthy();
    sandbox.clearFaults();
    expect((await rollback(kase.credential, clock)).state).toBe("rolled-back");
    expect(sandbox.fics(kase)).toEqual([]);
    expect(sandbox.graphCalls(kase, graphRouteNames.addPassword, 200)).toBe(1);
    expect(await sandbox.signIn(kase)).toBe(true);
  });
});

describe("no secret value anywhere", () => {
  it("failures, journals and the audit log hold no secret value", async () => {
    const canaries = sandbox.canaries();
    const text = JSON.stringify([outputs, await store.list<unknown>("migrations"), await store.listAudit(1000)]);
    expect(canaries.filter((c) => text.includes(c))).toEqual([]);
    expect(text).toContain("migration.failed");
  });
});
