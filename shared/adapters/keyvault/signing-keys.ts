import { createHash } from "node:crypto";
import type { TokenCredential } from "@azure/identity";
import { CryptographyClient, KeyClient, type KeyVaultKey } from "@azure/keyvault-keys";
import type { PublishedKey, SigningKeys } from "../../ports/signing-keys.js";
import { defaultKeyVaultRetry, isLoopbackVaultUrl, keyVaultServiceVersion } from "./client-options.js";

export interface SigningKeysOptions {
  vaultUrl: string;
  /** The RSA key's name in the vault (created on first use when missing). */
  keyName: string;
  credential: TokenCredential;
}

/** Key Vault failures of the signing key, in our words: operation, status and service code, never a body. */
export class SigningKeyError extends Error {
  constructor(operation: string, error: unknown) {
    const status = typeof error === "object" && error !== null && "statusCode" in error ? (error as { statusCode?: number }).statusCode : undefined;
    const code = typeof error === "object" && error !== null && "code" in error ? String((error as { code?: unknown }).code) : undefined;
    super(`Key Vault ${operation} of the broker's signing key failed${status ? ` (HTTP ${status}${code ? `, ${code}` : ""})` : code ? ` (${code})` : ""}`);
    this.name = "SigningKeyError";
  }
}

function published(key: KeyVaultKey): PublishedKey | undefined {
  const jwk = key.key;
  if (!jwk?.n || !jwk.e || !key.properties.version || key.properties.enabled === false) return undefined;
  return {
    kid: key.properties.version,
    kty: "RSA",
    alg: "RS256",
    use: "sig",
    n: Buffer.from(jwk.n).toString("base64url"),
    e: Buffer.from(jwk.e).toString("base64url"),
    createdAt: (key.properties.createdOn ?? new Date(0)).toISOString(),
  };
}

/**
 * The broker's RSA key in Key Vault (`@azure/keyvault-keys`): the vault signs RS256 digests through its `sign`
 * operation, so the private key never leaves it. Published keys are every enabled version.
 */
export function createSigningKeys(options: SigningKeysOptions): SigningKeys {
  const clientOptions = {
    serviceVersion: keyVaultServiceVersion,
    disableChallengeResourceVerification: isLoopbackVaultUrl(options.vaultUrl),
    retryOptions: defaultKeyVaultRetry,
  };
  const keys = new KeyClient(options.vaultUrl, options.credential, clientOptions);
  const attempt = async <T>(operation: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw new SigningKeyError(operation, error);
    }
  };

  return {
    async published() {
      return attempt("list", async () => {
        const found: PublishedKey[] = [];
        for await (const properties of keys.listPropertiesOfKeyVersions(options.keyName)) {
          if (properties.enabled === false || !properties.version) continue;
          const key = published(await keys.getKey(options.keyName, { version: properties.version }));
          if (key) found.push(key);
        }
        return found.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      });
    },
    async sign(kid, signingInput) {
      return attempt("sign", async () => {
        const client = new CryptographyClient(`${options.vaultUrl.replace(/\/+$/, "")}/keys/${options.keyName}/${kid}`, options.credential, clientOptions);
        const digest = createHash("sha256").update(signingInput).digest();
        const { result } = await client.sign("RS256", digest);
        return Buffer.from(result).toString("base64url");
      });
    },
    async rotate() {
      return attempt("create", async () => {
        const key = published(await keys.createRsaKey(options.keyName, { keySize: 2048, keyOps: ["sign", "verify"] }));
        if (!key) throw new Error("the new key version came back without its public part");
        return key;
      });
    },
  };
}
