// What only the Azure Tables store must guarantee: its layout in the account, paging, tolerating tables
// that exist, and service errors that name the place but never the account key.
import { beforeAll, describe, expect, it } from "vitest";
import { createServer as createHttpServer } from "node:http";
import type { IncomingHttpHeaders, RequestListener, Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { TableClient } from "@azure/data-tables";
import type { TransactionAction } from "@azure/data-tables";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { createAzureStateStore } from "#shared/adapters/state/azure/index.js";
import { encodeRowKey } from "#shared/adapters/state/azure/row-key.js";
import { ConcurrencyError } from "#shared/ports/state-store.js";
import { DEV_ACCOUNT_KEY, sharedAzurite } from "./support/azurite.js";
import { defaultTlsDir, ensureSandboxTls } from "../sandbox/core/ca.js";
import type { Azurite } from "./support/azurite.js";

const freshPrefix = () => `t${randomBytes(5).toString("hex")}`;

function rawTable(azurite: Azurite, name: string): TableClient {
  return TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
}

/**
 * A loopback server that answers every request with `status` and records the request headers; https (with
 * the sandbox certificate) where the SDK sends a bearer token, which it does over TLS only.
 */
async function answeringServer(status: number, protocol: "http" | "https"): Promise<{ url: string; seen: IncomingHttpHeaders[]; close(): Promise<void> }> {
  const seen: IncomingHttpHeaders[] = [];
  const listener: RequestListener = (req, res) => {
    seen.push(req.headers);
    req.resume();
    res.writeHead(status, { "content-type": "application/json;odata=minimalmetadata" });
    res.end(JSON.stringify({ "odata.error": { code: "AuthenticationFailed", message: { lang: "en-US", value: "Server failed to authenticate the request." } } }));
  };
  const server: Server = protocol === "https" ? createHttpsServer(ensureSandboxTls(defaultTlsDir()), listener) : createHttpServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `${protocol}://127.0.0.1:${port}/devstoreaccount1`, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("Azure Tables state store", () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await sharedAzurite();
  });

  it("keeps one row per record: PartitionKey = state table, RowKey = escaped key, value as JSON", async () => {
    const tablePrefix = freshPrefix();
    const store = createAzureStateStore({ connectionString: azurite.connectionString, tablePrefix });
    await store.put("journal", "gh/acme/api#1?x", { state: "pushed" });

    const rows = [];
    for await (const row of rawTable(azurite, `${tablePrefix}watchdogstate`).listEntities()) rows.push(row);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ partitionKey: "journal", rowKey: "gh%2Facme%2Fapi%231%3Fx", key: "gh/acme/api#1?x", value: '{"state":"pushed"}' });
  });

  it("lists past the service's 1000-row page, in key order", async () => {
    const tablePrefix = freshPrefix();
    const store = createAzureStateStore({ connectionString: azurite.connectionString, tablePrefix });
    await store.put("ledger", "seed", {});
    const raw = rawTable(azurite, `${tablePrefix}watchdogstate`);
    const keys = Array.from({ length: 1150 }, (_, i) => `cred-${String(i % 2 ? 1150 - i : i).padStart(4, "0")}/${i}`);
    for (let i = 0; i < keys.length; i += 100) {
      const actions: TransactionAction[] = keys
        .slice(i, i + 100)
        .map((key) => ["create", { partitionKey: "ledger", rowKey: encodeRowKey(key), key, value: JSON.stringify({ key }) }]);
      await raw.submitTransaction(actions);
    }
    const listed = await store.list<{ key: string }>("ledger", "cred-");
    expect(listed).toHaveLength(keys.length);
    expect(listed.map((r) => r.key)).toEqual([...keys].sort());
    expect(listed.every((r) => r.value.key === r.key)).toBe(true);
    expect(await store.list("ledger", "cred-0001/")).toHaveLength(1);
  });

  it("works from several instances on the same tables (tables that exist are fine; ETags still guard)", async () => {
    const tablePrefix = freshPrefix();
    const a = createAzureStateStore({ connectionString: azurite.connectionString, tablePrefix });
    const b = createAzureStateStore({ connectionString: azurite.connectionString, tablePrefix });
    const etag = await a.put("leases", "prod-deploy", { holder: "a" });
    const seenByB = await b.get<{ holder: string }>("leases", "prod-deploy");
    expect(seenByB).toEqual({ key: "prod-deploy", value: { holder: "a" }, etag });
    await a.put("leases", "prod-deploy", { holder: "a2" }, { ifMatch: etag });
    await expect(b.put("leases", "prod-deploy", { holder: "b" }, { ifMatch: etag })).rejects.toBeInstanceOf(ConcurrencyError);
  });

  it("writes audit rows that sort newest first in the audit table itself", async () => {
    const tablePrefix = freshPrefix();
    const store = createAzureStateStore({ connectionString: azurite.connectionString, tablePrefix });
    for (const at of ["2026-01-01T00:00:00Z", "2026-06-01T00:00:00Z", "2025-01-01T00:00:00Z"]) {
      await store.appendAudit({ at, event: "alert.sent", actor: "timer", subject: "prod-deploy", details: { threshold: 7 } });
    }
    const rows = [];
    for await (const row of rawTable(azurite, `${tablePrefix}watchdogaudit`).listEntities()) rows.push(row);
    expect(rows.map((r) => r["at"])).toEqual(["2026-06-01T00:00:00Z", "2026-01-01T00:00:00Z", "2025-01-01T00:00:00Z"]);
    expect(rows[0]).toMatchObject({ partitionKey: "audit", event: "alert.sent", subject: "prod-deploy" });
  });

  it("names a foreign row instead of returning a bad value", async () => {
    const tablePrefix = freshPrefix();
    const store = createAzureStateStore({ connectionString: azurite.connectionString, tablePrefix });
    await store.put("outbox", "ok", { fine: true });
    await rawTable(azurite, `${tablePrefix}watchdogstate`).createEntity({ partitionKey: "outbox", rowKey: "foreign", other: 1 });
    await expect(store.list("outbox")).rejects.toThrow(/watchdogstate\/outbox\/foreign: not a watchdog state row/);
    await rawTable(azurite, `${tablePrefix}watchdogstate`).upsertEntity({ partitionKey: "outbox", rowKey: "foreign", value: "{torn" }, "Replace");
    await expect(store.get("outbox", "foreign")).rejects.toThrow(/outbox\/foreign: stored value is not valid JSON/);
  });

  it("reports a service failure by operation and table, without the account key or the SDK's request", async () => {
    const server = await answeringServer(403, "http");
    try {
      const connectionString = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${DEV_ACCOUNT_KEY};TableEndpoint=${server.url}`;
      const store = createAzureStateStore({ connectionString, tablePrefix: "denied" });
      const error = await store.put("journal", "prod-deploy", { state: "minted" }).catch((e: unknown) => e);
      expect(String(error)).toMatch(/state createTable deniedwatchdogstate failed: HTTP 403/);
      expect(String(error)).not.toContain(DEV_ACCOUNT_KEY);
      expect((error as Error).cause).toBeUndefined();
      expect(Object.values(error as object).join(" ")).not.toContain("minted");
    } finally {
      await server.close();
    }
  });

  it("builds an identity-based store that sends the credential's bearer token", async () => {
    const server = await answeringServer(403, "https");
    try {
      const credential: TokenCredential = {
        getToken: async (): Promise<AccessToken> => ({ token: "test-access-token", expiresOnTimestamp: Date.now() + 3_600_000 }),
      };
      const store = createAzureStateStore({ tableServiceUri: server.url, credential });
      await expect(store.get("journal", "k")).rejects.toThrow(/HTTP 403/);
      expect(server.seen[0]?.authorization).toBe("Bearer test-access-token");
    } finally {
      await server.close();
    }
    expect(() =>
      createAzureStateStore({ tableServiceUri: "http://acme.table.core.windows.net", credential: { getToken: async () => null } }),
    ).toThrow(/plain http to a non-loopback host/);
  });

  it("refuses an invalid table prefix, naming it", () => {
    expect(() => createAzureStateStore({ connectionString: azurite.connectionString, tablePrefix: "bad-prefix" })).toThrow(/bad-prefixwatchdogstate/);
  });
});
