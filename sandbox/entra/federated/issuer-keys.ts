import { request } from "node:https";
import type { JSONWebKeySet } from "jose";

/**
 * How Entra finds the keys of a federated credential's issuer: OpenID discovery at
 * `<issuer>/.well-known/openid-configuration`, then its `jwks_uri` ("Workload identity federation": Entra "uses the
 * issuer URL … to fetch the keys to validate the token"; learn.microsoft.com/entra/workload-id/workload-identity-federation).
 * Null when the issuer publishes none that can be read: the assertion's signature then cannot be checked.
 */
export type IssuerKeys = (issuer: string) => Promise<JSONWebKeySet | null>;

function getJson(url: string, ca: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "GET", ca, timeout: 5_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        if ((res.statusCode ?? 0) !== 200) return resolve(null);
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown);
        } catch {
          resolve(null);
        }
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`timed out reading ${url}`)));
    req.on("error", reject);
    req.end();
  });
}

const isKeySet = (value: unknown): value is JSONWebKeySet =>
  typeof value === "object" && value !== null && Array.isArray((value as { keys?: unknown }).keys);

/**
 * Discovery and JWKS over HTTPS, with each public URL mapped to a local emulator by `localUrl` (the issuer
 * stays its public URL everywhere else). `ca` is the sandbox CA's PEM. The discovery document must name the
 * issuer exactly, as OpenID Connect Discovery 1.0 §4.3 requires.
 */
export function discoveredIssuerKeys(options: { localUrl: (url: string) => string | null; ca: string }): IssuerKeys {
  return async (issuer) => {
    const discoveryUrl = options.localUrl(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`);
    if (!discoveryUrl) return null;
    try {
      const discovery = (await getJson(discoveryUrl, options.ca)) as { issuer?: unknown; jwks_uri?: unknown } | null;
      if (!discovery || discovery.issuer !== issuer || typeof discovery.jwks_uri !== "string") return null;
      const jwksUrl = options.localUrl(discovery.jwks_uri);
      if (!jwksUrl) return null;
      const keys = await getJson(jwksUrl, options.ca);
      return isKeySet(keys) ? keys : null;
    } catch {
      return null;
    }
  };
}

/** Several resolvers, first answer wins (CircleCI's issuer, a broker's, …). */
export function anyIssuerKeys(...resolvers: IssuerKeys[]): IssuerKeys {
  return async (issuer) => {
    for (const resolve of resolvers) {
      const keys = await resolve(issuer);
      if (keys) return keys;
    }
    return null;
  };
}
