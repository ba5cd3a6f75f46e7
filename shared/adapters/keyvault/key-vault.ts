import type { TokenCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import pRetry from "p-retry";
import { z } from "zod";
import { SecretValue } from "../../domain/secret-value.js";
import type { VaultSecretInfo } from "../../domain/snapshot.js";
import type { DeletedVaultSecret, Vault, VaultSecretVersion } from "../../ports/vault.js";
import { secretClientOptions, type KeyVaultRetryOptions } from "./client-options.js";
import { KeyVaultError, toKeyVaultError } from "./key-vault-error.js";
import { toDeletedSecret, toSecretInfo, toSecretVersion } from "./secret-properties.js";

export interface KeyVaultOptions {
  /** The vault's base URL (`KEY_VAULT_URL`), e.g. https://my-vault.vault.azure.net */
  vaultUrl: string;
  /** Usually `DefaultAzureCredential` (the Function App's managed identity). */
  credential: TokenCredential;
  /** Overrides of the SDK retry policy's settings (see `defaultKeyVaultRetry`). */
  retry?: KeyVaultRetryOptions;
  /** How a recovery of a deleted secret is awaited (see `defaultRecoveryWait`). */
  recoveryWait?: Partial<RecoveryWait>;
  /** How a soft delete of the name still running is waited out before a set (see `defaultDeletionWait`). */
  deletionWait?: Partial<DeletionWait>;
}

export interface DeletionWait {
  /** First wait before setting again; doubles up to `maxDelayMs`. */
  minDelayMs: number;
  maxDelayMs: number;
  /** Longest wait in all; a deletion still running then fails the set (409 ObjectIsBeingDeleted). */
  maxWaitMs: number;
}

/**
 * Soft delete is asynchronous: while it runs, setting the name answers 409 ObjectIsBeingDeleted (it usually takes
 * seconds). The SDK's retry policy does not retry a 409, so the set is repeated here, with backoff.
 */
export const defaultDeletionWait: DeletionWait = { minDelayMs: 1_000, maxDelayMs: 8_000, maxWaitMs: 60_000 };

export interface RecoveryWait {
  /** Between reads of the recovering secret (the SDK's poller; its own default is 2 s). */
  pollIntervalMs: number;
  /** Longest wait; a recovery still running then fails the call (the next run finds the secret live, or not yet). */
  maxWaitMs: number;
}

/** Recovery is asynchronous: the secret reads 404 until it is back (a recovery can take minutes). */
export const defaultRecoveryWait: RecoveryWait = { pollIntervalMs: 2_000, maxWaitMs: 120_000 };

const secretName = z.string().regex(/^[0-9a-zA-Z-]{1,127}$/, "expected 1-127 letters, digits and dashes");
const versionId = z.string().regex(/^[0-9a-fA-F]{32}$/, "expected a 32-hex-digit version id");
const setOptions = z
  .object({
    expiresOn: z.iso.datetime({ offset: true, error: "expected an ISO 8601 date-time" }).optional(),
    tags: z.record(z.string().min(1), z.string()).optional(),
    contentType: z.string().optional(),
  })
  .strict();
const vaultUrlShape = z
  .url({ protocol: /^https$/, error: "expected an https:// URL" })
  .transform((u) => u.replace(/\/+$/, ""));

/** Checks what the app hands in before anything goes on the wire; the error names the argument. */
function checked<T extends z.ZodType>(schema: T, input: unknown, where: string, context: { operation: string; secretName?: string }): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const detail = result.error.issues.map((i) => `${[where, ...i.path].join(".")}: ${i.message}`).join("; ");
  throw new KeyVaultError({ ...context, code: "InvalidArgument", detail });
}

const isSecretNotFound = (error: KeyVaultError) => error.status === 404 && error.code === "SecretNotFound";

/**
 * The `Vault` port over Azure Key Vault (`@azure/keyvault-secrets`, api-version pinned to 2025-07-01).
 * Values enter and leave as `SecretValue`: `reveal()` happens only in the call that puts the value on the
 * wire, and the SDK's own objects (which hold values) never leave this class, not even inside errors.
 */
export class KeyVaultSecrets implements Vault {
  private readonly client: SecretClient;
  private readonly recoveryWait: RecoveryWait;
  private readonly deletionWait: DeletionWait;

  constructor(options: KeyVaultOptions) {
    const vaultUrl = checked(vaultUrlShape, options.vaultUrl, "vaultUrl", { operation: "connect" });
    this.client = new SecretClient(vaultUrl, options.credential, secretClientOptions(vaultUrl, options.retry));
    this.recoveryWait = { ...defaultRecoveryWait, ...options.recoveryWait };
    this.deletionWait = { ...defaultDeletionWait, ...options.deletionWait };
  }

  get vaultUrl(): string {
    return this.client.vaultUrl;
  }

  async listSecrets(): Promise<VaultSecretInfo[]> {
    return this.call({ operation: "list secrets" }, async () => {
      const secrets: VaultSecretInfo[] = [];
      for await (const properties of this.client.listPropertiesOfSecrets()) secrets.push(toSecretInfo(properties));
      return secrets;
    });
  }

  /** Every version, oldest first (Key Vault itself lists them in no particular order). */
  async listVersions(name: string): Promise<VaultSecretVersion[]> {
    const context = { operation: "list versions", secretName: name };
    checked(secretName, name, "name", context);
    try {
      return await this.call(context, async () => {
        const found: Array<{ createdOn: number; version: VaultSecretVersion }> = [];
        for await (const properties of this.client.listPropertiesOfSecretVersions(name)) {
          found.push({ createdOn: properties.createdOn?.getTime() ?? 0, version: toSecretVersion(properties) });
        }
        return found.sort((a, b) => a.createdOn - b.createdOn).map((f) => f.version);
      });
    } catch (error) {
      // A name with no live secret lists no versions: Key Vault answers 200 with none (or, unconfirmed, 404).
      if (error instanceof KeyVaultError && isSecretNotFound(error)) return [];
      throw error;
    }
  }

  async setSecret(
    name: string,
    value: SecretValue,
    options: { expiresOn?: string; tags?: Record<string, string>; contentType?: string },
  ): Promise<VaultSecretVersion> {
    const context = { operation: "set secret", secretName: name };
    checked(secretName, name, "name", context);
    const valid = checked(setOptions, options, "options", context);
    if (!(value instanceof SecretValue) || value.length === 0) {
      throw new KeyVaultError({ ...context, code: "InvalidArgument", detail: "value: expected a non-empty SecretValue" });
    }
    const revealed = value.reveal();
    const { minDelayMs, maxDelayMs, maxWaitMs } = this.deletionWait;
    return pRetry(
      () =>
        this.call(
          context,
          async () => {
            const stored = await this.client.setSecret(name, revealed, {
              ...(valid.expiresOn ? { expiresOn: new Date(valid.expiresOn) } : {}),
              ...(valid.tags ? { tags: valid.tags } : {}),
              ...(valid.contentType !== undefined ? { contentType: valid.contentType } : {}),
            });
            return toSecretVersion(stored.properties);
          },
        ),
      {
        retries: Number.POSITIVE_INFINITY,
        minTimeout: minDelayMs,
        maxTimeout: maxDelayMs,
        factor: 2,
        maxRetryTime: maxWaitMs,
        shouldRetry: ({ error }) => error instanceof KeyVaultError && error.vaultRefusal === "name-being-deleted",
      },
    );
  }

  async getSecret(name: string, version?: string): Promise<{ value: SecretValue; properties: VaultSecretVersion } | null> {
    const context = { operation: "get secret", secretName: name };
    checked(secretName, name, "name", context);
    if (version !== undefined) checked(versionId, version, "version", context);
    try {
      return await this.call(context, async () => {
        const secret = await this.client.getSecret(name, version ? { version } : {});
        if (typeof secret.value !== "string") throw new KeyVaultError({ ...context, status: 200, code: "UnexpectedResponse", detail: "the secret bundle has no value" });
        return { value: new SecretValue(secret.value), properties: toSecretVersion(secret.properties) };
      });
    } catch (error) {
      if (error instanceof KeyVaultError && isSecretNotFound(error)) return null;
      throw error;
    }
  }

  async setVersionEnabled(name: string, version: string, enabled: boolean): Promise<void> {
    const context = { operation: enabled ? "enable version" : "disable version", secretName: name };
    checked(secretName, name, "name", context);
    checked(versionId, version, "version", context);
    try {
      await this.call(context, () => this.client.updateSecretProperties(name, version, { enabled }));
    } catch (error) {
      // A version (or a whole name) that is gone, or a retried update that had in fact gone through, is settled
      // by the versions Key Vault lists now, never by the words of its answer.
      if (error instanceof KeyVaultError && (error.status === 400 || error.status === 404) && (await this.versionIsSettled(name, version, enabled))) return;
      throw error;
    }
  }

  /** The version is absent (nothing left to enable or disable) or already in the wanted state. */
  private async versionIsSettled(name: string, version: string, enabled: boolean): Promise<boolean> {
    const found = (await this.listVersions(name)).find((v) => v.version.toLowerCase() === version.toLowerCase());
    return found === undefined ? !enabled : found.enabled === enabled;
  }

  async getDeletedSecret(name: string): Promise<DeletedVaultSecret | null> {
    const context = { operation: "get deleted secret", secretName: name };
    checked(secretName, name, "name", context);
    try {
      return await this.call(context, async () => {
        const deleted = await this.client.getDeletedSecret(name);
        // Only properties leave: the bundle of a deleted secret may carry its value.
        return toDeletedSecret({ ...deleted.properties, deletedOn: deleted.deletedOn, scheduledPurgeDate: deleted.scheduledPurgeDate });
      });
    } catch (error) {
      if (error instanceof KeyVaultError && isSecretNotFound(error)) return null;
      throw error;
    }
  }

  async recoverDeletedSecret(name: string): Promise<void> {
    const context = { operation: "recover deleted secret", secretName: name };
    checked(secretName, name, "name", context);
    const { pollIntervalMs, maxWaitMs } = this.recoveryWait;
    await this.call(context, async () => {
      // The poller POSTs .../recover, then reads the secret until it answers (404 while recovering).
      const poller = await this.client.beginRecoverDeletedSecret(name, { intervalInMs: pollIntervalMs });
      try {
        await poller.pollUntilDone({ abortSignal: AbortSignal.timeout(maxWaitMs) });
      } catch (error) {
        if (error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError")) {
          throw new KeyVaultError({ ...context, code: "RecoveryInProgress", detail: `the recovery was started but had not finished after ${maxWaitMs} ms` });
        }
        throw error;
      }
    });
  }

  private async call<T>(context: { operation: string; secretName?: string }, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toKeyVaultError(error, context);
    }
  }
}

export function createKeyVault(options: KeyVaultOptions): KeyVaultSecrets {
  return new KeyVaultSecrets(options);
}
