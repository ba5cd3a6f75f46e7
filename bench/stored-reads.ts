import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { openWatchdog } from "#shared/app/watchdog.js";
import { storedPlanAnswer } from "#shared/app/read-model.js";
import { createLocalStateStore } from "#shared/adapters/state/local/index.js";
import { loadRead } from "#shared/engine/read-model/index.js";
import { apiNames } from "./conditions.js";
import { measure } from "./measure.js";
import type { SandboxProcess } from "./sandbox-process.js";

/** One way of answering GET /api/plan: how long it took and what it asked of the APIs. */
export interface ReadServed {
  label: string;
  wallMs: number;
  cpuMs: number;
  requests: number;
  /** Bytes of the JSON answer. */
  bytes: number;
}

export interface StoredReadsResult {
  /** Pieces and bytes of the stored read (local state store). */
  stored: { parts: Record<string, { bytes: number; chunks: number }> };
  served: ReadServed[];
}

/**
 * GET /api/plan three ways, as the app answers it (settings -> openWatchdog -> the answer as JSON): a live
 * inventory (`?refresh=true` with nothing recent stored: what every GET cost before the read model), then
 * from the stored read decoded from the state store (a new instance), then from this instance's memo.
 */
export async function benchStoredReads(sandbox: SandboxProcess, env: Record<string, string | undefined>, stateDir: string): Promise<StoredReadsResult> {
  const policyPath = join(stateDir, "bench.policy.yaml");
  writeFileSync(policyPath, sandbox.policyYaml);
  const settings = { ...env, WATCHDOG_POLICY: policyPath, WATCHDOG_STATE_DIR: join(stateDir, "state"), WATCHDOG_REFRESH_MIN_INTERVAL_SECONDS: "0" };
  const served: ReadServed[] = [];
  const serve = async (label: string, answer: () => Promise<unknown>) => {
    await sandbox.reset("limited");
    const { value: text, wallMs, cpuMs } = await measure(async () => JSON.stringify(await answer()));
    const traffic = await sandbox.traffic();
    served.push({ label, wallMs, cpuMs, requests: apiNames.reduce((n, api) => n + traffic[api].requests, 0), bytes: Buffer.byteLength(text) });
  };

  await serve("live inventory (?refresh=true)", async () => storedPlanAnswer(await (await openWatchdog(settings, { host: "cli" })).stored(["plan"], { refresh: true, actor: "bench" })));
  const store = createLocalStateStore({ dir: settings.WATCHDOG_STATE_DIR });
  await serve("stored read, decoded (new instance)", async () => {
    const loaded = await loadRead(store, ["plan"]);
    if (loaded.kind !== "found") throw new Error(`the stored read is not readable: ${loaded.kind === "unreadable" ? loaded.problem : "nothing stored"}`);
    return storedPlanAnswer(loaded.read);
  });
  await serve("stored read, this instance's memo", async () => storedPlanAnswer(await (await openWatchdog(settings, { host: "cli" })).stored(["plan"], { refresh: false, actor: "bench" })));

  const pointer = await store.get<{ parts: Record<string, { bytes: number; chunks: number }> }>("reads", "latest");
  return { stored: { parts: pointer?.value.parts ?? {} }, served };
}

export function describeStoredReads(result: StoredReadsResult): string[] {
  const parts = Object.entries(result.stored.parts).map(([part, p]) => `${part} ${(p.bytes / 1024).toFixed(0)} KiB JSON in ${p.chunks} pieces`);
  return [
    `  GET /api/plan served three ways (the read stored in ${Object.values(result.stored.parts).reduce((n, p) => n + p.chunks, 0)} state records: ${parts.join(", ")})`,
    ...result.served.map((r) => `  ${r.label.padEnd(38)} ${(r.wallMs / 1000).toFixed(3).padStart(7)} s wall, ${String(r.requests).padStart(4)} API requests, ${(r.cpuMs / 1000).toFixed(3)} s CPU, ${(r.bytes / 1024).toFixed(0)} KiB answer`),
  ];
}
