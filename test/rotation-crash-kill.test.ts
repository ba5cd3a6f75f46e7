import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RequestLog } from "../sandbox/core/request-log.js";
import { entraRouteNames } from "../sandbox/entra/index.js";
import { graphRouteNames } from "../sandbox/graph/index.js";
import { keyVaultRoutes } from "../sandbox/keyvault/index.js";
import type { FaultInjector } from "../sandbox/core/faults.js";
import type { RotationOutcome } from "#shared/engine/rotation/index.js";
import { startRotationSandbox, type RotationCase, type RotationSandbox } from "./support/rotation-sandbox.js";
import { runScenario } from "./support/rotation-scenario.js";
import { startLocalStateStore, type StartedStateStore } from "./support/state-stores.js";

// Crash matrix, part (c): the rotation runs in a child process built by shared/app from settings, one
// route holds its answer (replyDelayMs: the server has done the work), the test waits until the request
// shows in the emulator's log and SIGKILLs the child. Later cycles run in-process on the same state dir.

let sandbox: RotationSandbox;
const stores: StartedStateStore[] = [];

beforeAll(async () => {
  sandbox = await startRotationSandbox();
});
afterAll(async () => {
  await sandbox?.close();
  await Promise.all(stores.map((s) => s.stop()));
});

function startChild(kase: RotationCase, dir: string, at: Date): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> } {
  const input = JSON.stringify({ credential: kase.credential, now: at.toISOString(), actor: "child" });
  const child = spawn(process.execPath, ["--import", "tsx", "test/support/rotation-child.ts", input], {
    env: { ...process.env, ...sandbox.env(dir) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface KillPoint {
  name: string;
  /** The scenario run (0: mint..push, 3: retire) the child makes. */
  run: number;
  emulator: () => { faults: FaultInjector; log: RequestLog };
  route: string;
}

const killPoints: KillPoint[] = [
  { name: "addPassword", run: 0, emulator: () => sandbox.directory.graph, route: graphRouteNames.addPassword },
  { name: "Key Vault set", run: 0, emulator: () => sandbox.vault, route: keyVaultRoutes.setSecret },
  { name: "token request", run: 0, emulator: () => sandbox.directory.entra, route: entraRouteNames.token },
  { name: "CircleCI push", run: 0, emulator: () => sandbox.circleci, route: "context.envvar.put" },
  { name: "removePassword", run: 3, emulator: () => sandbox.directory.graph, route: graphRouteNames.removePassword },
  { name: "Key Vault disable", run: 3, emulator: () => sandbox.vault, route: keyVaultRoutes.updateSecret },
];

describe("rotation crash matrix: killed processes", () => {
  it("a child process built from settings runs the first cycle to the push", async () => {
    const started = await startLocalStateStore();
    stores.push(started);
    const kase = sandbox.addCredential("child-ok");
    const { done } = startChild(kase, started.dir!, new Date());
    const exit = await done;
    expect(exit.stderr).toBe("");
    const outcome = JSON.parse(exit.stdout) as RotationOutcome;
    expect(outcome).toMatchObject({ credential: "child-ok", state: "pushed" });
    expect(sandbox.ciValue(kase)).toBe(sandbox.minted(kase)[0]?.secretText);
  });

  for (const point of killPoints) {
    it(`SIGKILL while ${point.name} (run ${point.run}) holds its answer; later cycles finish the rotation`, async () => {
      const started = await startLocalStateStore();
      stores.push(started);
      const kase = sandbox.addCredential(`kill-${point.route.replace(/[^a-z]/gi, "").toLowerCase()}`);
      let killedAfter: string | undefined;
      const report = await runScenario({
        sandbox,
        store: started.store,
        kase,
        replaceRun: async (index, at) => {
          if (index !== point.run) return "not-replaced";
          const { faults, log } = point.emulator();
          const before = log.count((e) => e.route === point.route && e.status < 300);
          // Every answer on the route is held, Key Vault's 401 challenge too: long enough to see the request and kill.
          faults.set(point.route, { replyDelayMs: 1_500 });
          const { child, done } = startChild(kase, started.dir!, at);
          try {
            await waitFor(() => log.count((e) => e.route === point.route && e.status < 300) > before, `${point.route} in the request log`);
            child.kill("SIGKILL");
            const exit = await done;
            killedAfter = exit.signal ?? `exit ${exit.code}`;
          } finally {
            faults.clear(point.route);
            child.kill("SIGKILL");
          }
          return true;
        },
      });
      expect(killedAfter).toBe("SIGKILL");
      expect(report.violations, report.violations.join("\n")).toEqual([]);
      expect(sandbox.mintCalls(kase)).toBe(point.name === "addPassword" ? 2 : 1);
    });
  }
});
