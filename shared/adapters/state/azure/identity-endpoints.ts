/**
 * Identity-based AzureWebJobsStorage (no key in app settings): the Functions host reads
 * `AzureWebJobsStorage__accountName`, or explicit `__tableServiceUri` / `__queueServiceUri` (and
 * `__blobServiceUri`, which the watchdog does not use). This maps those settings to service URIs; pair them
 * with a TokenCredential (managed identity) in the factories.
 *
 * A table endpoint is never guessed from another service's URI: custom domains and private endpoints break
 * that. Without `__accountName` or `__tableServiceUri`, identity-based settings cannot hold the state, and
 * saying so beats quietly keeping it on one instance's disk.
 */
export interface IdentityStorageEndpoints {
  tableServiceUri: string;
  /** Absent when only a table endpoint is given: no rotation-jobs queue, so no fan-out. */
  queueServiceUri?: string;
}

const prefix = "AzureWebJobsStorage__";

export function identityStorageEndpoints(env: Record<string, string | undefined>): IdentityStorageEndpoints | undefined {
  const account = env[`${prefix}accountName`]?.trim();
  const table = env[`${prefix}tableServiceUri`]?.trim();
  const queue = env[`${prefix}queueServiceUri`]?.trim();
  if (account && !/^[a-z0-9]{3,24}$/.test(account)) {
    throw new Error(`${prefix}accountName: expected a storage account name (3-24 lowercase letters and digits)`);
  }
  if (!account && !table) {
    const partial = Object.keys(env).filter((name) => name.startsWith(prefix) && env[name]?.trim()).sort();
    if (partial.length === 0) return undefined;
    throw new Error(
      `${prefix}tableServiceUri: required with ${partial.join(", ")} (or set ${prefix}accountName): the state lives in Table storage, and its endpoint is never guessed from another service's URI`,
    );
  }
  return {
    tableServiceUri: table || `https://${account}.table.core.windows.net`,
    ...(queue || account ? { queueServiceUri: queue || `https://${account}.queue.core.windows.net` } : {}),
  };
}
