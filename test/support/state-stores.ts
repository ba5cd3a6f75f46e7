/**
 * Both StateStore adapters behind one list, so that a suite can run against each:
 *
 *   import { stateStoreCases } from "./support/state-stores.js";
 *   describe.each(stateStoreCases())("$name", (kase) => {
 *     let started: StartedStateStore;
 *     beforeEach(async () => { started = await kase.start(); });
 *     afterEach(() => started.stop());
 *     it("...", async () => { await started.store.put("outbox", "k", { n: 1 }); });
 *   });
 *
 * Shape (stable; other suites depend on it):
 *   stateStoreCases(): Array<{ name: "local" | "azure-tables"; start(): Promise<StartedStateStore> }>
 *   StartedStateStore = { store: StateStore; stop(): Promise<void>; connection?: string; dir?: string }
 *
 * Every `start()` gives a fresh, empty store:
 * - "local": a new temporary directory (`dir`), removed by `stop()`.
 * - "azure-tables": tables with a fresh name prefix in one Azurite shared by the test process (started by
 *   the first `start()`, ~1 s; later ones cost a few ms). `connection` is that Azurite's connection string
 *   (AzureWebJobsStorage; its queue endpoint works too), `tablePrefix` the prefix of this store's tables.
 *   `stop()` leaves Azurite running for the next case; it ends with the process.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { StateStore } from "#shared/ports/state-store.js";
import { createLocalStateStore } from "#shared/adapters/state/local/index.js";
import { createAzureStateStore } from "#shared/adapters/state/azure/index.js";
import { sharedAzurite } from "./azurite.js";

export interface StartedStateStore {
  store: StateStore;
  stop(): Promise<void>;
  /** azure-tables: the AzureWebJobsStorage connection string of the Azurite holding the store. */
  connection?: string;
  /** azure-tables: the prefix of this store's table names. */
  tablePrefix?: string;
  /** local: the state directory (WATCHDOG_STATE_DIR). */
  dir?: string;
}

export interface StateStoreCase {
  name: "local" | "azure-tables";
  start(): Promise<StartedStateStore>;
}

export async function startLocalStateStore(): Promise<StartedStateStore> {
  const parent = await mkdtemp(join(tmpdir(), "watchdog-state-"));
  // A not-yet-existing directory inside, so that the store's own creation (and its mode) is exercised.
  const dir = join(parent, "state");
  return {
    store: createLocalStateStore({ dir }),
    dir,
    stop: () => rm(parent, { recursive: true, force: true }),
  };
}

export async function startAzureTablesStateStore(): Promise<StartedStateStore> {
  const azurite = await sharedAzurite();
  // Table names: letters and digits, starting with a letter.
  const tablePrefix = `t${randomBytes(5).toString("hex")}`;
  return {
    store: createAzureStateStore({ connectionString: azurite.connectionString, tablePrefix }),
    connection: azurite.connectionString,
    tablePrefix,
    stop: async () => undefined,
  };
}

export function stateStoreCases(): StateStoreCase[] {
  return [
    { name: "local", start: startLocalStateStore },
    { name: "azure-tables", start: startAzureTablesStateStore },
  ];
}

/** A second StateStore object on the same state: what a restarted process (or another instance) gets. */
export function reopenStateStore(kase: StateStoreCase, started: StartedStateStore): StateStore {
  return kase.name === "local"
    ? createLocalStateStore({ dir: started.dir! })
    : createAzureStateStore({ connectionString: started.connection!, tablePrefix: started.tablePrefix! });
}
