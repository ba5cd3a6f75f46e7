/**
 * Which CircleCI variables look like an Entra client secret. CircleCI never returns context values, so
 * this goes by names alone: a secret-like name (…CLIENT_SECRET, …SP_PASSWORD) that says Azure in its
 * prefix or sits next to a tenant id of the same prefix.
 */

const secretSuffixes = ["CLIENT_SECRET", "SP_SECRET", "SP_PASSWORD", "SERVICE_PRINCIPAL_SECRET", "SERVICE_PRINCIPAL_PASSWORD"];
const azureWords = new Set(["AZURE", "ARM", "AZ", "AAD", "ENTRA", "MSAL"]);

export interface AzureSecretVariable {
  variable: string;
  /** "ARM_", "AZURE_", "PROD_AZURE_", "" */
  prefix: string;
  /** The sibling that holds the app's client id, when there is one. */
  clientIdVariable?: string;
  tenantIdVariable?: string;
}

function split(name: string): { prefix: string } | undefined {
  const upper = name.toUpperCase();
  const suffix = secretSuffixes.find((s) => upper === s || upper.endsWith(`_${s}`));
  return suffix === undefined ? undefined : { prefix: name.slice(0, name.length - suffix.length) };
}

/** The Azure-looking secrets among one scope's variable names (a context's or a project's). */
export function azureSecretVariables(names: string[]): AzureSecretVariable[] {
  const byUpper = new Map(names.map((n) => [n.toUpperCase(), n]));
  const sibling = (prefix: string, ...suffixes: string[]) => suffixes.map((s) => byUpper.get(`${prefix.toUpperCase()}${s}`)).find((n) => n !== undefined);
  const found: AzureSecretVariable[] = [];
  for (const name of [...names].sort()) {
    const parts = split(name);
    if (!parts) continue;
    const clientIdVariable = sibling(parts.prefix, "CLIENT_ID", "APP_ID");
    const tenantIdVariable = sibling(parts.prefix, "TENANT_ID");
    const saysAzure = parts.prefix.toUpperCase().split("_").some((word) => azureWords.has(word));
    if (!saysAzure && tenantIdVariable === undefined) continue;
    found.push({
      variable: name,
      prefix: parts.prefix,
      ...(clientIdVariable ? { clientIdVariable } : {}),
      ...(tenantIdVariable ? { tenantIdVariable } : {}),
    });
  }
  return found;
}
