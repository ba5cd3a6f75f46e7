import { AuthenticationHandler, Client, HTTPMessageHandler, TelemetryHandler } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js";
import type { ResolvedGraphDirectorySettings } from "./settings.js";

/**
 * The Graph SDK client. Its host must be in `customHosts` or the SDK silently sends no token to it. The
 * chain leaves out the SDK's RetryHandler on purpose: retries live in one place (p-retry in graph-call.ts),
 * which also retries 500/502, knows which calls are safe to repeat (addPassword is not) and whose delays
 * tests can shorten — the RetryHandler retries only 429/503/504, repeats POSTs blindly and waits ≥ 3 s.
 */
export function createGraphClient(settings: ResolvedGraphDirectorySettings): Client {
  const authProvider = new TokenCredentialAuthenticationProvider(settings.credential, { scopes: [settings.scope] });
  return Client.initWithMiddleware({
    baseUrl: settings.origin,
    defaultVersion: "v1.0",
    customHosts: new Set([new URL(settings.origin).hostname]),
    middleware: [new AuthenticationHandler(authProvider), new TelemetryHandler(), new HTTPMessageHandler()],
  });
}
