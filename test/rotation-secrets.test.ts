import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { keyVaultRoutes } from "../sandbox/keyvault/index.js";
import { SecretValue } from "#shared/domain/secret-value.js";
import { rotateCredential, type RotationOutcome } from "#shared/engine/rotation/index.js";
import { failureMessage } from "#shared/engine/journaled/failure-message.js";
import type { WatchdogPorts } from "#shared/ports/index.js";
import { HOUR, startRotationSandbox, TestClock, type RotationSandbox } from "./support/rotation-sandbox.js";
import { fastTestRetry, instantPropagation } from "./support/rotation-scenario.js";
import { startLocalStateStore, type StartedStateStore } from "./support/state-stores.js";

// No secret value ever reaches a result, the journal, the audit log, the state files or the console —
// also when calls fail, and when an error message itself carries the value.

let sandbox: RotationSandbox;
let started: StartedStateStore;

beforeAll(async () => {
  sandbox = await startRotationSandbox();
  started = await startLocalStateStore();
});
afterAll(async () => {
  await sandbox?.close();
  await started?.stop();
});

/** The real CircleCI adapter makes the call; then the "proxy" answers with an error page echoing the request. */
function echoingProxy(ports: WatchdogPorts): WatchdogPorts {
  const ci = ports.ci;
  return {
    ...ports,
    ci: {
      ...ci,
      listContexts: () => ci.listContexts(),
      setContextVariable: async (contextId, name, value) => {
        await ci.setContextVariable(contextId, name, value);
        throw new Error(`502 Bad Gateway: upstream rejected {"value":"${value.reveal()}"}`);
      },
    },
  };
}

describe("secret values stay out of everything the rotation writes", () => {
  it("results, journal, audit, state files and console hold ids only, through failures and a full rotation", async () => {
    const log = vi.spyOn(console, "log");
    const info = vi.spyOn(console, "info");
    const warn = vi.spyOn(console, "warn");
    const error = vi.spyOn(console, "error");
    const kase = sandbox.addCredential("canary");
    const clock = new TestClock();
    const outcomes: RotationOutcome[] = [];
    const seen = new Set<string>();
    const remember = () => sandbox.allValues().forEach((v) => seen.add(v));
    const rotate = async (ports: WatchdogPorts) => {
      outcomes.push(await rotateCredential(ports, kase.credential, { tenantId: sandbox.tenantId, now: clock.now, actor: "timer", manual: false, snapshotComplete: true, testRetry: fastTestRetry, propagation: instantPropagation }));
      remember();
    };

    remember();
    // 1: Key Vault refuses the store (the minted value is orphaned, then removed by the next cycle).
    sandbox.vault.faults.set(keyVaultRoutes.setSecret, { failTimes: 10, failStatus: 500 });
    await rotate(sandbox.ports(started.store));
    sandbox.clearFaults();
    // 2: the push goes through but the answer is an error page that echoes the value.
    clock.advance(HOUR);
    await rotate(echoingProxy(sandbox.ports(started.store)));
    // 3, 4: resume and retire.
    clock.advance(HOUR);
    await rotate(sandbox.ports(started.store));
    clock.advance(25 * HOUR);
    await rotate(sandbox.ports(started.store));

    expect(outcomes.map((o) => (o.busy ? "busy" : (o.failure?.step ?? o.state)))).toEqual(["store", "push", "pushed", "retired"]);
    const echoed = outcomes[1]!;
    expect(!echoed.busy && echoed.failure?.message).toMatch(/502 Bad Gateway: upstream rejected \{"value":"\[redacted\]"\}/);

    const files = await readdir(started.dir!);
    const written = [
      ...outcomes.map((o) => JSON.stringify(o)),
      ...outcomes.map((o) => inspect(o, { depth: 10 })),
      JSON.stringify(await started.store.list("journal")),
      JSON.stringify(await started.store.list("leases")),
      JSON.stringify(await started.store.listAudit()),
      ...(await Promise.all(files.map((f) => readFile(join(started.dir!, f), "utf8").catch(() => "")))),
      ...[log, info, warn, error].flatMap((spy) => spy.mock.calls.map((call) => inspect(call))),
    ].join("\n");
    const canaries = [...seen].filter((v) => v.length >= 8);
    expect(canaries.length).toBeGreaterThanOrEqual(3);
    for (const canary of canaries) expect(written.includes(canary), "a secret value was written").toBe(false);
    // The audit names what happened by id.
    const events = (await started.store.listAudit()).filter((e) => e.subject === "canary").map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(["rotation.minted", "rotation.failed", "rotation.orphan-removed", "rotation.stored", "rotation.pushed", "rotation.retired"]));
  });

  it("failure messages blank any value the run holds", () => {
    const canary = "CANARY-4d1c9e0b-value";
    const message = failureMessage(new Error(`refused ${canary} twice: ${canary}`), [new SecretValue(canary), undefined]);
    expect(message).toBe("refused [redacted] twice: [redacted]");
    expect(failureMessage("x".repeat(900), [])).toHaveLength(501);
  });
});
