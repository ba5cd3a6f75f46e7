import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";

/**
 * The watchdog's own identity: managed identity in Azure (IDENTITY_ENDPOINT/IDENTITY_HEADER), the standard
 * AZURE_* variables or a developer login elsewhere — all read by DefaultAzureCredential itself.
 */
export function createWatchdogCredential(): TokenCredential {
  return new DefaultAzureCredential();
}
