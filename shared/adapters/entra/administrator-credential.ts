import { AzureCliCredential, ChainedTokenCredential, EnvironmentCredential, type TokenCredential } from "@azure/identity";
import { isMicrosoftAuthorityHost } from "./authority-host.js";

/**
 * An administrator's own sign-in, for the steps the watchdog's identity may not take itself (`watchdog
 * grant-ownership`): an app registration's client secret in AZURE_CLIENT_ID / AZURE_CLIENT_SECRET / AZURE_TENANT_ID
 * (EnvironmentCredential), else the signed-in Azure CLI user. Never the managed identity: it is the one being granted.
 */
export function createAdministratorCredential(settings: { authorityHost: string; tenantId?: string }): TokenCredential {
  return new ChainedTokenCredential(
    new EnvironmentCredential({ authorityHost: settings.authorityHost, disableInstanceDiscovery: !isMicrosoftAuthorityHost(settings.authorityHost) }),
    new AzureCliCredential(settings.tenantId ? { tenantId: settings.tenantId } : {}),
  );
}
