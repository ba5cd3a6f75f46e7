/**
 * Builds `TableClient`s for AzureWebJobsStorage: from a connection string (account key or SAS), or for an
 * identity-based connection from the table service URI and a TokenCredential. Tables are created on first
 * use; an existing table is fine.
 */
import { TableClient } from "@azure/data-tables";
import type { TokenCredential } from "@azure/identity";
import { checkEndpoint, storageEndpoint } from "./storage-connection.js";
import { StateStoreError, serviceFailure } from "./azure-errors.js";

export type TableConnection =
  | { connectionString: string }
  | {
      /** `AzureWebJobsStorage__tableServiceUri`, or `https://<AzureWebJobsStorage__accountName>.table.core.windows.net`. */
      tableServiceUri: string;
      credential: TokenCredential;
    };

const tableNamePattern = /^[A-Za-z][A-Za-z0-9]{2,62}$/;

export function tableClient(connection: TableConnection, tableName: string): TableClient {
  if (!tableNamePattern.test(tableName)) {
    throw new Error(`state table name "${tableName}" is invalid: 3-63 letters and digits, starting with a letter`);
  }
  if ("connectionString" in connection) {
    const endpoint = storageEndpoint(connection.connectionString, "table");
    return TableClient.fromConnectionString(connection.connectionString, tableName, {
      allowInsecureConnection: endpoint.allowInsecureConnection,
    });
  }
  const endpoint = checkEndpoint(connection.tableServiceUri, "AzureWebJobsStorage__tableServiceUri");
  return new TableClient(endpoint.url, tableName, connection.credential, { allowInsecureConnection: endpoint.allowInsecureConnection });
}

/** Memoises `createTable` per client; a failed attempt is forgotten so that the next call tries again. */
export function tableCreator(client: TableClient): () => Promise<void> {
  let created: Promise<void> | undefined;
  return () => {
    created ??= client.createTable().then(
      () => undefined,
      (error: unknown) => {
        created = undefined;
        throw new StateStoreError("createTable", client.tableName, serviceFailure(error));
      },
    );
    return created;
  };
}
