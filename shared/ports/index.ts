import type { CiSecretStore } from "./ci-secret-store.js";
import type { Directory, SecretTester } from "./directory.js";
import type { Heartbeat } from "./heartbeat.js";
import type { Notifier } from "./notifier.js";
import type { JobQueue, StateStore } from "./state-store.js";
import type { Vault } from "./vault.js";

/** Every port the engine works through; the composition root (shared/app) fills it with real adapters. */
export interface WatchdogPorts {
  ci: CiSecretStore;
  directory: Directory;
  /** Absent when KEY_VAULT_URL is not set (allowed while no credential rotates). */
  vault?: Vault;
  tester: SecretTester;
  state: StateStore;
  /** Absent without AzureWebJobsStorage: the CLI then does all work inline. */
  queue?: JobQueue;
  notifier: Notifier;
  heartbeat: Heartbeat;
}
