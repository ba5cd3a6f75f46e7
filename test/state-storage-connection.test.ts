// Plain http only towards a loopback emulator; a real account stays https. Errors never echo the key.
import { describe, expect, it } from "vitest";
import { StorageConnectionError, isLoopbackHost, storageEndpoint } from "#shared/adapters/state/azure/storage-connection.js";
import { identityStorageEndpoints } from "#shared/adapters/state/azure/identity-endpoints.js";
import { createAzureStateStore } from "#shared/adapters/state/azure/index.js";
import { createAzureJobQueue } from "#shared/adapters/queue/index.js";

const key = "S3CRETKEY0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/0123456789abcdefgh==";

describe("storage connection strings", () => {
  it("allows http to Azurite on loopback and says so", () => {
    const local = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${key};TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;QueueEndpoint=http://localhost:10001/devstoreaccount1`;
    expect(storageEndpoint(local, "table")).toEqual({ url: "http://127.0.0.1:10002/devstoreaccount1", allowInsecureConnection: true });
    expect(storageEndpoint(local, "queue")).toEqual({ url: "http://localhost:10001/devstoreaccount1", allowInsecureConnection: true });
    expect(storageEndpoint("UseDevelopmentStorage=true", "table").allowInsecureConnection).toBe(true);
  });

  it("keeps a real account on https, derived from AccountName and EndpointSuffix", () => {
    const real = `DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=${key};EndpointSuffix=core.chinacloudapi.cn`;
    expect(storageEndpoint(real, "table")).toEqual({ url: "https://acme.table.core.chinacloudapi.cn", allowInsecureConnection: false });
    expect(storageEndpoint(`AccountName=acme;AccountKey=${key}`, "queue")).toEqual({ url: "https://acme.queue.core.windows.net", allowInsecureConnection: false });
  });

  it("refuses plain http to anything but loopback, without echoing the connection string", () => {
    const remote = `DefaultEndpointsProtocol=http;AccountName=acme;AccountKey=${key}`;
    for (const make of [
      () => storageEndpoint(remote, "table"),
      () => createAzureStateStore({ connectionString: remote }),
      () => createAzureJobQueue({ connectionString: remote }),
      () => createAzureJobQueue({ connectionString: `AccountName=acme;AccountKey=${key};QueueEndpoint=http://10.0.0.5:10001/acme` }),
    ]) {
      let error: unknown;
      try {
        make();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(StorageConnectionError);
      expect(String(error)).toMatch(/plain http to a non-loopback host/);
      expect(String(error)).not.toContain(key);
    }
  });

  it("names what is missing in a malformed connection string", () => {
    expect(() => storageEndpoint(`AccountKey=${key}`, "table")).toThrow(/neither TableEndpoint nor AccountName/);
    expect(() => storageEndpoint("garbage", "table")).toThrow(/malformed connection string/);
    expect(() => storageEndpoint(`TableEndpoint=ftp://x;AccountKey=${key}`, "table")).toThrow(/TableEndpoint must be an https/);
  });

  it("knows loopback hosts", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"]) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ["10.0.0.1", "example.com", "127.0.0.1.nip.io", "localhost.example.com"]) expect(isLoopbackHost(host), host).toBe(false);
  });

  it("maps identity-based AzureWebJobsStorage settings to service URIs", () => {
    expect(identityStorageEndpoints({})).toBeUndefined();
    expect(identityStorageEndpoints({ AzureWebJobsStorage__accountName: "acme" })).toEqual({
      tableServiceUri: "https://acme.table.core.windows.net",
      queueServiceUri: "https://acme.queue.core.windows.net",
    });
    expect(
      identityStorageEndpoints({
        AzureWebJobsStorage__tableServiceUri: "https://t.example",
        AzureWebJobsStorage__queueServiceUri: "https://q.example",
      }),
    ).toEqual({ tableServiceUri: "https://t.example", queueServiceUri: "https://q.example" });
    expect(() => identityStorageEndpoints({ AzureWebJobsStorage__accountName: "Not_Valid" })).toThrow(/AzureWebJobsStorage__accountName/);
    // A table endpoint alone is enough (no queue: no fan-out); none is ever guessed from another service's URI.
    expect(identityStorageEndpoints({ AzureWebJobsStorage__tableServiceUri: "https://t.example" })).toEqual({ tableServiceUri: "https://t.example" });
    expect(() =>
      identityStorageEndpoints({ AzureWebJobsStorage__blobServiceUri: "https://acme.blob.core.windows.net", AzureWebJobsStorage__queueServiceUri: "https://q.example" }),
    ).toThrow(/AzureWebJobsStorage__tableServiceUri: required with AzureWebJobsStorage__blobServiceUri, AzureWebJobsStorage__queueServiceUri/);
  });
});
