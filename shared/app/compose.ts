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
import { requireSettingsFor, type Settings } from "./settings.js";

export type Adapters = WatchdogPorts;

/** The one place that knows which adapter serves which port. Throws SettingsError before building anything. */
export function buildAdapters(settings: Settings, needs: { vault: boolean }, credential: TokenCredential = new DefaultAzureCredential()): Adapters {
  requireSettingsFor(settings, needs);
  const ci = createCircleCiStore({ apiUrl: settings.circleci.apiUrl, token: settings.circleci.token!, orgId: settings.circleci.orgId! });
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
    : identity
      ? createAzureJobQueue({ queueServiceUri: identity.queueServiceUri, credential })
      : undefined;
  return { ci, directory, vault, tester, state, queue, notifier: createWebhookNotifier(), heartbeat: createHeartbeat() };
}
