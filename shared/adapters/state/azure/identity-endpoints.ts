/**
 * Identity-based AzureWebJobsStorage (no key in app settings): the Functions host reads
 * `AzureWebJobsStorage__accountName`, or explicit `__tableServiceUri` / `__queueServiceUri`. This maps
 * those settings to service URIs; pair them with a TokenCredential (managed identity) in the factories.
 */
export interface IdentityStorageEndpoints {
  tableServiceUri: string;
  queueServiceUri: string;
}

export function identityStorageEndpoints(env: Record<string, string | undefined>): IdentityStorageEndpoints | undefined {
  const account = env["AzureWebJobsStorage__accountName"]?.trim();
  const table = env["AzureWebJobsStorage__tableServiceUri"]?.trim();
  const queue = env["AzureWebJobsStorage__queueServiceUri"]?.trim();
  if (!account && !(table && queue)) return undefined;
  if (account && !/^[a-z0-9]{3,24}$/.test(account)) {
    throw new Error("AzureWebJobsStorage__accountName: expected a storage account name (3-24 lowercase letters and digits)");
  }
  return {
    tableServiceUri: table || `https://${account}.table.core.windows.net`,
    queueServiceUri: queue || `https://${account}.queue.core.windows.net`,
  };
}
