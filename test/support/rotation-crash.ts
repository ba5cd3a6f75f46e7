/**
 * Fault injection around the real adapters (never instead of them): every port call goes to the real
 * adapter, and at the chosen point the decorator makes the run see what a crash or a lost answer looks like.
 *
 * - "die": after the n-th call that changes the world (state writes, Graph/Key Vault/CircleCI writes) has
 *   returned, the process is "dead": that call and every later one in the run throw without reaching the
 *   world — what the world sees is exactly a process killed right after that call.
 * - "lose-answer": the n-th external call (Graph, Key Vault, CircleCI, token request) is made, then its
 *   answer is replaced by an error — a timeout after the server did the work; the run goes on.
 * - "trace": nothing is injected; the calls are recorded, to enumerate the points of a clean run.
 */
import type { WatchdogPorts } from "#shared/ports/index.js";

export type CrashMode = "die" | "lose-answer" | "trace";

export class SimulatedCrash extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SimulatedCrash";
  }
}

const external = new Set(["ci", "directory", "vault", "tester"]);
const reads = /^(get|list)/;

export interface TracedCall {
  label: string;
  /** Changes the world (counted by "die"). */
  mutating: boolean;
  /** Graph, Key Vault, CircleCI or Entra (counted by "lose-answer"). */
  external: boolean;
  /** Which run of the scenario made it (0-based). */
  run: number;
}

export class CrashPlan {
  readonly trace: TracedCall[] = [];
  /** The label of the call the fault fired on, and its position in `trace`. */
  firedOn: string | undefined;
  firedIndex = -1;
  private mutating = 0;
  private externalCalls = 0;
  private dead = false;
  private run = 0;

  constructor(
    readonly mode: CrashMode,
    /** 1-based index among the calls the mode counts. */
    readonly at = 0,
  ) {}

  get fired(): boolean {
    return this.firedOn !== undefined;
  }

  /** A new run is a new process: it is alive again (the fault fires only once). */
  nextRun(): void {
    this.dead = false;
    this.run += 1;
  }

  async invoke<T>(request: Omit<TracedCall, "run">, run: () => Promise<T>): Promise<T> {
    if (this.dead) throw new SimulatedCrash(`process is dead (${request.label} not sent)`);
    const call = { ...request, run: this.run };
    this.trace.push(call);
    const hit =
      !this.fired &&
      ((this.mode === "die" && call.mutating && ++this.mutating === this.at) ||
        (this.mode === "lose-answer" && call.external && ++this.externalCalls === this.at));
    if (!hit) return run();
    this.firedOn = call.label;
    this.firedIndex = this.trace.length - 1;
    if (this.mode === "die") {
      await run();
      this.dead = true;
      throw new SimulatedCrash(`killed after ${call.label}`);
    }
    await run();
    throw new SimulatedCrash(`answer lost after ${call.label} was handled`);
  }
}

function decorate<T extends object>(target: T, port: string, plan: CrashPlan): T {
  return new Proxy(target, {
    get(object, property) {
      const member: unknown = Reflect.get(object, property, object);
      if (typeof member !== "function" || typeof property !== "string") return member;
      return (...args: unknown[]) => {
        const table = port === "state" && typeof args[0] === "string" && property !== "appendAudit" ? `(${args[0]})` : "";
        const call: Omit<TracedCall, "run"> = {
          label: `${port}.${property}${table}`,
          mutating: !reads.test(property) && port !== "tester",
          external: external.has(port),
        };
        return plan.invoke(call, () => (member as (...a: unknown[]) => Promise<unknown>).apply(object, args));
      };
    },
  });
}

/** The same real adapters, with `plan` deciding where the run crashes. */
/**
 * How many passwords a rotation that crashed here must mint: two when the value of the first one was lost
 * (the crash came after addPassword was handled and before setSecret was), one otherwise — a Key Vault
 * version tagged with the rotation id means the store is done and nothing is minted again.
 */
export function expectedMints(plan: CrashPlan): number {
  const at = plan.firedIndex;
  const mint = plan.trace.findIndex((c) => c.label === "directory.addPassword");
  const store = plan.trace.findIndex((c) => c.label === "vault.setSecret");
  const lostValue = at >= mint && mint >= 0 && (store < 0 || at < store);
  return lostValue ? 2 : 1;
}

export function withCrashPlan(ports: WatchdogPorts, plan: CrashPlan): WatchdogPorts {
  return {
    ci: decorate(ports.ci, "ci", plan),
    directory: decorate(ports.directory, "directory", plan),
    vault: ports.vault ? decorate(ports.vault, "vault", plan) : undefined,
    tester: decorate(ports.tester, "tester", plan),
    state: decorate(ports.state, "state", plan),
    notifier: ports.notifier,
    heartbeat: ports.heartbeat,
  };
}
