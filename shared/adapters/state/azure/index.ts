export { createAzureStateStore, AzureTablesStateStore } from "./azure-state-store.js";
export type { AzureStateStoreOptions } from "./azure-state-store.js";
export type { TableConnection } from "./table-client.js";
export { StateStoreError } from "./azure-errors.js";
export { StorageConnectionError, storageEndpoint, isLoopbackHost } from "./storage-connection.js";
export { identityStorageEndpoints, type IdentityStorageEndpoints } from "./identity-endpoints.js";
