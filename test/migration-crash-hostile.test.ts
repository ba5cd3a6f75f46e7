import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FaultInjector } from "../sandbox/core/faults.js";
import { graphRouteNames } from "../sandbox/graph/index.js";
import { parseMigrationJournal } from "#shared/domain/migration/index.js";
import { migrateCredential, type MigrationResult } from "#shared/engine/migration/index.js";
import { DAY, startMigrationSandbox, TestClock, type MigrationCase, type MigrationSandbox } from "./support/migration-sandbox.js";
import { startLocalStateStore, type StartedStateStore } from "./support/state-stores.js";
import { instantPropagation } from "./support/rotation-scenario.js";

// The migration crash matrix in a world as hostile as the real one (issue 11 items 1-3, as the rotation's in
// rotation-crash-hostile): Graph reads within 150 ms of a write see the app as it was before, federated credentials
// take 100 ms to be accepted, and every write of a migration — each federated credential's creation, each variable
// pushed where the secret lives, the secret variable's removal and the password's — applies the change and then
// loses its answer (connection dropped, or a 503), once, met by the adapters' own retry paths. Cycles run days apart
// (the engine's clock) until the migration is retired; every one must end in the same world: exactly the wanted
// federated credentials, none twice, the ids in CircleCI, and the secret retired only on evidence of quiet.

let sandbox: MigrationSandbox;
const stores: StartedStateStore[] = [];
const staleReadMs = 150;
const maxCycles = 20;
// The product's defence against stale reads is its read lag (WATCHDOG_PROPAGATION_READ_LAG_SECONDS): longer than
// the emulator's stale window, as it must be in production.
const propagation = { ...instantPropagation, readLagMs: staleReadMs + 50 };

beforeAll(async () => {
  sandbox = await startMigrationSandbox();
  sandbox.sandbox.directory.state.staleReadMs = staleReadMs;
  sandbox.sandbox.directory.entra.federatedPropagationDelayMs = 100;
});
afterAll(async () => {
  await sandbox?.close();
  await Promise.all(stores.map((s) => s.stop()));
});

type Binding = "context" | "project";
interface Write {
  name: string;
  route: string;
  emulator: () => { faults: FaultInjector };
  binding: Binding;
}

const graph = () => sandbox.sandbox.directory.graph;
const circleci = () => sandbox.sandbox.circleci;
/** Every write route of a migration to the end, with the binding whose migration makes it. */
const writes: Write[] = [
  { name: "federated credential create", route: graphRouteNames.ficCreate, emulator: graph, binding: "context" },
  { name: "context variable push (ids)", route: "context.envvar.put", emulator: circleci, binding: "context" },
  { name: "context secret variable removal", route: "context.envvar.delete", emulator: circleci, binding: "context" },
  { name: "project variable push (ids)", route: "project.envvar.create", emulator: circleci, binding: "project" },
  { name: "project secret variable removal", route: "project.envvar.delete", emulator: circleci, binding: "project" },
  { name: "password removal", route: graphRouteNames.removePassword, emulator: graph, binding: "context" },
];

let serial = 0;

interface Hooks {
  /** Before the first cycle: arm a fault. */
  arm?: (kase: MigrationCase) => void;
  /** Before each cycle, with the engine's clock set for it. */
  beforeCycle?: (cycle: number, kase: MigrationCase, clock: TestClock) => Promise<void>;
  /** Days between cycles (default 3: the quiet period and the reporting lag pass in few cycles). */
  stepDays?: number;
}

/** One migration to the end, cycles `stepDays` apart (the engine's clock; the emulators keep real time). */
async function migrateToTheEnd(binding: Binding, hooks: Hooks = {}): Promise<{ kase: MigrationCase; results: MigrationResult[]; started: StartedStateStore }> {
  const kase = sandbox.addCase(`mh${++serial}`, { users: 2, binding });
  const started = await startLocalStateStore();
  stores.push(started);
  const clock = new TestClock();
  hooks.arm?.(kase);
  const results: MigrationResult[] = [];
  for (let cycle = 0; cycle < maxCycles; cycle++) {
    await hooks.beforeCycle?.(cycle, kase, clock);
    const outcome = await migrateCredential(sandbox.ports(started.store), kase.credential, sandbox.migrateOptions(clock, { propagation }));
    if (outcome.busy) throw new Error(`unexpectedly busy: ${outcome.message}`);
    results.push(outcome);
    if (outcome.state === "retired") break;
    clock.advance((hooks.stepDays ?? 3) * DAY);
  }
  return { kase, results, started };
}

/** The world every run must end in, whatever was lost on the way. */
async function expectTheSameWorld(label: string, run: { kase: MigrationCase; results: MigrationResult[]; started: StartedStateStore }): Promise<void> {
  const { kase, results, started } = run;
  expect(results.at(-1)?.state, `${label}: ${results.map((r) => r.failure?.message ?? r.state).join(" | ")}`).toBe("retired");
  const wanted = kase.projectIds.flatMap((p) => kase.userIds.map((u) => `org/${sandbox.orgId}/project/${p}/user/${u}`)).sort();
  expect(sandbox.fics(kase).map((f) => f.subject).sort(), label).toEqual(wanted);
  expect(new Set(sandbox.fics(kase).map((f) => f.name)).size, label).toBe(wanted.length);
  expect(sandbox.value(kase, "AZURE_CLIENT_ID"), label).toBe(kase.app.appId);
  expect(sandbox.value(kase, "AZURE_TENANT_ID"), label).toBe(sandbox.tenantId);
  expect(sandbox.value(kase, kase.variable), label).toBeUndefined();
  expect(sandbox.passwords(kase), label).toEqual([]);
  const journal = parseMigrationJournal(kase.name, (await started.store.get<unknown>("migrations", kase.name))?.value);
  if (!journal.ok) throw new Error(journal.message);
  expect(journal.journal.retireApproval, label).toMatchObject({ basis: "evidence", keyIds: [kase.secret.keyId] });
}

describe("migration crash matrix with stale reads, federated propagation delay and lost answers", () => {
  it("without faults, the hostile world alone: retired on evidence, exactly the wanted federated credentials", async () => {
    for (const binding of ["context", "project"] as const) await expectTheSameWorld(`clean ${binding}`, await migrateToTheEnd(binding));
  });

  it("every write of a migration applied and its answer lost, both ways: the migration resumes and ends in the same world", async () => {
    // One at a time: a fault is armed on a route of the shared emulators.
    for (const write of writes) {
      for (const mode of ["drop", "error"] as const) {
        const label = `${write.name}, answer ${mode === "drop" ? "dropped" : "a 503"}`;
        const lostBefore = write.emulator().faults.injected.lostAnswers;
        const run = await migrateToTheEnd(write.binding, { arm: () => write.emulator().faults.set(write.route, { lostAnswers: 1, lostAnswerMode: mode }) });
        sandbox.clearFaults();
        expect(write.emulator().faults.injected.lostAnswers - lostBefore, `${label}: the answer was lost`).toBe(1);
        await expectTheSameWorld(label, run);
      }
    }
  }, 240_000);

  it("a password removal applied and its answer lost costs no cycle: the retire run reads the app again after the read lag", async () => {
    const removal = writes.find((write) => write.route === graphRouteNames.removePassword)!;
    for (const mode of ["drop", "error"] as const) {
      const label = `password removal, answer ${mode === "drop" ? "dropped" : "a 503"}`;
      const run = await migrateToTheEnd(removal.binding, { arm: () => removal.emulator().faults.set(removal.route, { lostAnswers: 1, lostAnswerMode: mode }) });
      sandbox.clearFaults();
      await expectTheSameWorld(label, run);
      // Cycles before it may wait on federated-credential propagation (real time against the engine's days): the
      // retire cycle itself is what must not fail.
      expect(run.results.filter((r) => r.failure?.step === "retire").map((r) => r.failure?.message), label).toEqual([]);
    }
  });

  it("a pipeline still signing in with the secret, reported a day late: retired only once the report shows the quiet period", async () => {
    const directory = sandbox.sandbox.directory.state;
    const realNow = directory.now;
    const style = directory.signInReport;
    let signedInAt: number | undefined;
    try {
      directory.signInReport = { ...style, delayMs: DAY };
      const run = await migrateToTheEnd("context", {
        stepDays: 1,
        beforeCycle: async (cycle, kase, clock) => {
          // The directory's clock is the engine's here, so that the sign-in lands on day 5 of the quiet period.
          directory.now = clock.now;
          if (cycle === 5) {
            expect(await sandbox.signIn(kase)).toBe(true);
            signedInAt = clock.now().getTime();
          }
        },
      });
      await expectTheSameWorld("sign-in on day 5", run);
      const retiredOnDay = run.results.length - 1;
      // Quiet for retireAfterQuietDays (7) after the sign-in, plus the reporting lag (48 h): not before day 14.
      expect(signedInAt).toBeDefined();
      expect(retiredOnDay).toBeGreaterThanOrEqual(14);
      const waited = run.results.slice(6, 14);
      expect(waited.every((r) => r.state === "waiting"), waited.map((r) => r.state).join(",")).toBe(true);
    } finally {
      directory.now = realNow;
      directory.signInReport = style;
    }
  });
});
