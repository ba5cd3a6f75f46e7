import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { createCircleCiStore } from "../adapters/circleci/index.js";
import { createEntraSecretTester } from "../adapters/entra/index.js";
import { createGraphDirectory } from "../adapters/graph/index.js";
import { createKeyVault } from "../adapters/keyvault/index.js";
import { createAzureJobQueue } from "../adapters/queue/index.js";
import { createAzureStateStore } from "../adapters/state/azure/index.js";
import { createLocalStateStore } from "../adapters/state/local/index.js";
import { createHeartbeat, createWebhookNotifier } from "../adapters/webhooks/index.js";
import type { WatchdogPorts } from "../ports/index.js";
import { requireSettingsFor, SettingsError, type Settings } from "./settings.js";

export type Adapters = WatchdogPorts;

/**
 * What the app is built for, told by the entry point (never guessed from environment variables: Flex
 * Consumption, for one, deprecates FUNCTIONS_WORKER_RUNTIME). "functions": the timer, HTTP and queue
 * triggers, running on instances that come and go and share nothing but storage.
 */
export type WatchdogHost = "cli" | "functions";

/** Inside Azure Functions the state must be shared by every instance: the local store is never used there. */
function requireSharedStorage(settings: Settings): void {
  if (settings.storageConnection || settings.storageIdentity) return;
  throw new SettingsError([
    "AzureWebJobsStorage: required inside Azure Functions, where leases and journals must be shared by every instance " +
      "(a connection string, or identity-based AzureWebJobsStorage__accountName or AzureWebJobsStorage__tableServiceUri); " +
      "the local state store is used only by the command line",
  ]);
}

/** The one place that knows which adapter serves which port. Throws SettingsError before building anything. */
export function buildAdapters(settings: Settings, needs: { vault: boolean }, host: WatchdogHost, credential: TokenCredential = new DefaultAzureCredential()): Adapters {
  requireSettingsFor(settings, needs);
  if (host === "functions") requireSharedStorage(settings);
  const ci = createCircleCiStore({
    apiUrl: settings.circleci.apiUrl,
    token: settings.circleci.token!,
    orgId: settings.circleci.orgId!,
    ...(settings.circleci.maxConcurrency !== undefined ? { maxConcurrency: settings.circleci.maxConcurrency } : {}),
  });
  const directory = createGraphDirectory({ graphUrl: settings.graphUrl, credential });
  const vault = settings.keyVaultUrl ? createKeyVault({ vaultUrl: settings.keyVaultUrl, credential }) : undefined;
  const tester = createEntraSecretTester({ authorityHost: settings.authorityHost });
  const identity = settings.storageIdentity;
  const state = settings.storageConnection
    ? createAzureStateStore({ connectionString: settings.storageConnection })
    : identity
      ? createAzureStateStore({ tableServiceUri: identity.tableServiceUri, credential })
      : createLocalStateStore({ dir: settings.stateDir });
  const queue = settings.storageConnection
    ? createAzureJobQueue({ connectionString: settings.storageConnection })
    : identity?.queueServiceUri
      ? createAzureJobQueue({ queueServiceUri: identity.queueServiceUri, credential })
      : undefined;
  // Inside a Function App, loopback is the host's own services: never an alert receiver nor a heartbeat.
  const destinations = { allowLoopback: host === "cli" };
  return { ci, directory, vault, tester, state, queue, notifier: createWebhookNotifier(destinations), heartbeat: createHeartbeat(destinations) };
}
