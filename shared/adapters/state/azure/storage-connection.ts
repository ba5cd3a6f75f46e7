/**
 * Reads just enough of an Azure Storage connection string (AzureWebJobsStorage) to decide how to build the
 * SDK clients: the table/queue endpoint and whether plain http may be allowed. Plain http is accepted only
 * towards a loopback host (Azurite); a real account must stay https. Errors never echo the connection
 * string, since it carries the account key or a SAS.
 */

export type StorageService = "table" | "queue";

export interface StorageEndpoint {
  url: string;
  /** True only for http:// on a loopback host: the SDKs must then be told to allow insecure connections. */
  allowInsecureConnection: boolean;
}

const developmentEndpoints: Record<StorageService, string> = {
  table: "http://127.0.0.1:10002/devstoreaccount1",
  queue: "http://127.0.0.1:10001/devstoreaccount1",
};

export class StorageConnectionError extends Error {
  constructor(message: string) {
    super(`AzureWebJobsStorage: ${message}`);
    this.name = "StorageConnectionError";
  }
}

/** Keys are case-insensitive; values may themselves contain "=" (base64 account keys, SAS tokens). */
function parseConnectionString(connectionString: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const segment of connectionString.split(";")) {
    const trimmed = segment.trim();
    if (trimmed === "") continue;
    const eq = trimmed.indexOf("=");
    if (eq <= 0) throw new StorageConnectionError("malformed connection string (expected Key=Value pairs separated by ';')");
    parts.set(trimmed.slice(0, eq).toLowerCase(), trimmed.slice(eq + 1));
  }
  return parts;
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Checks an endpoint URL against the https-unless-loopback rule. */
export function checkEndpoint(url: string, what: string): StorageEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StorageConnectionError(`${what} is not a valid URL`);
  }
  if (parsed.protocol === "https:") return { url: url.replace(/\/+$/, ""), allowInsecureConnection: false };
  if (parsed.protocol === "http:" && isLoopbackHost(parsed.hostname)) return { url: url.replace(/\/+$/, ""), allowInsecureConnection: true };
  if (parsed.protocol === "http:") {
    throw new StorageConnectionError(`${what} uses plain http to a non-loopback host (${parsed.hostname}); only a local emulator may use http`);
  }
  throw new StorageConnectionError(`${what} must be an https:// URL (got ${parsed.protocol})`);
}

/** The endpoint the SDK will talk to for `service`, as the SDKs themselves derive it. */
export function storageEndpoint(connectionString: string, service: StorageService): StorageEndpoint {
  const parts = parseConnectionString(connectionString);
  if (parts.get("usedevelopmentstorage")?.toLowerCase() === "true") {
    return { url: developmentEndpoints[service], allowInsecureConnection: true };
  }
  const explicit = parts.get(service === "table" ? "tableendpoint" : "queueendpoint");
  const endpointName = service === "table" ? "TableEndpoint" : "QueueEndpoint";
  if (explicit) return checkEndpoint(explicit, endpointName);

  const account = parts.get("accountname");
  if (!account) throw new StorageConnectionError(`connection string has neither ${endpointName} nor AccountName`);
  const protocol = (parts.get("defaultendpointsprotocol") ?? "https").toLowerCase();
  const suffix = parts.get("endpointsuffix") ?? "core.windows.net";
  return checkEndpoint(`${protocol}://${account}.${service}.${suffix}`, `the ${service} endpoint derived from AccountName`);
}
