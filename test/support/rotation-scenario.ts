/**
 * Drives one case through successive runs (the timer's cycles) at injected times, with an optional fault,
 * checking the invariants after every run and the end state after the last.
 */
import { parseJournal } from "#shared/domain/rotation/index.js";
import { rotateCredential, type PropagationOptions, type RotationOutcome } from "#shared/engine/rotation/index.js";
import type { SecretValue } from "#shared/domain/secret-value.js";
import type { WatchdogPorts } from "#shared/ports/index.js";
import type { StateStore } from "#shared/ports/state-store.js";
import { CrashPlan, withCrashPlan } from "./rotation-crash.js";
import { InvariantWatch } from "./rotation-invariants.js";
import { HOUR, TestClock, type RotationCase, type RotationSandbox } from "./rotation-sandbox.js";

/**
 * Hours after the first run at which the next runs happen: 1 h later (a crashed run's lease has expired),
 * past the overlap of a push made in any of the first runs, and again past a second overlap.
 */
export const runHours = [0, 1, 2, 27, 28, 29, 53, 54];

export const fastTestRetry = { attempts: 3, minDelayMs: 5, maxDelayMs: 20 };

/** Against emulators whose token endpoint accepts a new secret at once: one acceptance, no settle wait. */
export const instantPropagation: PropagationOptions = { confirmations: 1, spacingMs: 0, settleMs: 0, readLagMs: 0 };

export interface ScenarioOptions {
  sandbox: RotationSandbox;
  store: StateStore;
  kase: RotationCase;
  plan?: CrashPlan;
  /** Before run `index`: set an emulator fault; return true if this run is faulted (it then need not clean up). */
  beforeRun?: (index: number) => boolean | Promise<boolean>;
  afterRun?: (index: number) => void | Promise<void>;
  /** Instead of an in-process run (e.g. a child process that is killed); return true if it was faulted. */
  replaceRun?: (index: number, at: Date) => Promise<boolean | "not-replaced">;
  base?: number;
  testRetry?: typeof fastTestRetry;
  propagation?: PropagationOptions;
  portsOptions?: Parameters<RotationSandbox["ports"]>[1];
}

export interface ScenarioReport {
  violations: string[];
  outcomes: RotationOutcome[];
  runs: number;
}

async function journalState(store: StateStore, name: string): Promise<string> {
  const record = await store.get<unknown>("journal", name);
  if (!record) return "none";
  const parsed = parseJournal(name, record.value);
  return parsed.ok ? parsed.journal.state : "unreadable";
}

/**
 * Checks "CircleCI only ever holds a value Entra accepts" at the moment of every CircleCI write, not only
 * between runs: the value about to be pushed must already get a token.
 */
export function guardPushes(ports: WatchdogPorts, sandbox: RotationSandbox, kase: RotationCase, violations: string[]): WatchdogPorts {
  const check = async (value: SecretValue) => {
    const verdicts = sandbox.directory.entra.replicaVerdicts(kase.app.appId, value.reveal());
    await Promise.resolve();
    if (verdicts.some((accepted) => !accepted)) {
      violations.push(`a value ${verdicts.filter((a) => !a).length} of ${verdicts.length} Entra token replicas refuse was pushed to CircleCI`);
    }
  };
  const ci = ports.ci;
  return {
    ...ports,
    ci: {
      listContexts: () => ci.listContexts(),
      listContextVariables: (c) => ci.listContextVariables(c),
      listProjectVariables: (s) => ci.listProjectVariables(s),
      listContextRestrictions: (c) => ci.listContextRestrictions(c),
      readProjectVariableMask: (s, n) => ci.readProjectVariableMask(s, n),
      listFollowedProjects: () => ci.listFollowedProjects(),
      listOrganizationProjects: () => ci.listOrganizationProjects(),
      deleteContextVariable: (c, n) => ci.deleteContextVariable(c, n),
      deleteProjectVariable: (s, n) => ci.deleteProjectVariable(s, n),
      getProjectOidcAudience: (p) => ci.getProjectOidcAudience(p),
      setProjectOidcAudience: (p, a) => ci.setProjectOidcAudience(p, a),
      deleteProjectOidcAudience: (p) => ci.deleteProjectOidcAudience(p),
      getProjectId: (s) => ci.getProjectId(s),
      setContextVariable: async (c, n, v) => {
        await check(v);
        return ci.setContextVariable(c, n, v);
      },
      setProjectVariable: async (s, n, v) => {
        await check(v);
        return ci.setProjectVariable(s, n, v);
      },
    },
  };
}

export async function runScenario(options: ScenarioOptions): Promise<ScenarioReport> {
  const { sandbox, store, kase } = options;
  const plan = options.plan ?? new CrashPlan("trace");
  const watch = new InvariantWatch(sandbox, kase);
  const clock = new TestClock(options.base ?? Date.now());
  const base = clock.now().getTime();
  const outcomes: RotationOutcome[] = [];
  const pushViolations: string[] = [];
  let runs = 0;
  for (const [index, hours] of runHours.entries()) {
    clock.set(base + hours * HOUR);
    runs += 1;
    const faulted = (await options.beforeRun?.(index)) ?? false;
    const firedBefore = plan.fired;
    const replaced = (await options.replaceRun?.(index, clock.now())) ?? "not-replaced";
    if (replaced === "not-replaced") {
      outcomes.push(
        await rotateCredential(withCrashPlan(guardPushes(sandbox.ports(store, options.portsOptions), sandbox, kase, pushViolations), plan), kase.credential, {
          tenantId: sandbox.tenantId,
          now: clock.now,
          actor: "timer",
          manual: false,
          snapshotComplete: true,
          testRetry: options.testRetry ?? fastTestRetry,
          propagation: options.propagation ?? instantPropagation,
        }),
      );
    }
    plan.nextRun();
    await options.afterRun?.(index);
    const settled = !faulted && replaced !== true && plan.fired === firedBefore;
    await watch.afterRun(`run ${index} (+${hours} h)`, clock.now().getTime(), settled);
    if (settled && (await journalState(store, kase.name)) === "retired") break;
  }
  await watch.final(store);
  return { violations: [...pushViolations, ...watch.violations], outcomes, runs };
}
