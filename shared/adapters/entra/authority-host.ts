import { AzureAuthorityHosts } from "@azure/identity";

// Hosts MSAL's instance discovery knows; for any other host (a sovereign proxy, the sandbox) discovery must be
// off, or MSAL asks login.microsoftonline.com about it and fails.
const microsoftAuthorityHosts = new Set([
  ...Object.values(AzureAuthorityHosts).map((url) => new URL(url).host),
  "login.windows.net",
  "login.microsoft.com",
  "sts.windows.net",
]);

export function isMicrosoftAuthorityHost(authorityHost: string): boolean {
  return microsoftAuthorityHosts.has(new URL(authorityHost).host.toLowerCase());
}
