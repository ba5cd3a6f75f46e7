import { afterAll, afterEach, beforeAll } from "vitest";
import type { RotationOutcome, RotationResult } from "#shared/engine/rotation/index.js";
import { startRotationSandbox, type RotationSandbox } from "./rotation-sandbox.js";
import { startLocalStateStore, type StartedStateStore } from "./state-stores.js";

/**
 * One rotation sandbox for a test file: started before its tests, its faults and Entra's propagation delay reset
 * after each (plus whatever `reset` puts back), closed with every state store the file opened.
 */
export function useRotationSandbox(hooks: { started: (sandbox: RotationSandbox) => void; reset?: (sandbox: RotationSandbox) => void }): {
  store: () => Promise<StartedStateStore>;
} {
  let sandbox: RotationSandbox | undefined;
  const stores: StartedStateStore[] = [];
  beforeAll(async () => {
    sandbox = await startRotationSandbox();
    hooks.started(sandbox);
  });
  afterEach(() => {
    if (!sandbox) return;
    sandbox.clearFaults();
    sandbox.directory.entra.propagationDelayMs = 0;
    hooks.reset?.(sandbox);
  });
  afterAll(async () => {
    await sandbox?.close();
    await Promise.all(stores.map((s) => s.stop()));
  });
  return {
    store: async () => {
      const started = await startLocalStateStore();
      stores.push(started);
      return started;
    },
  };
}

/** The runs that did something (a run that found the lease held answers "busy"). */
export const rotationResults = (outcomes: RotationOutcome[]): RotationResult[] => outcomes.flatMap((o) => (o.busy ? [] : [o]));
