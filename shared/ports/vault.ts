import type { SecretValue } from "../domain/secret-value.js";
import type { VaultSecretInfo } from "../domain/snapshot.js";

export interface VaultSecretVersion extends VaultSecretInfo {
  version: string;
}

/** A soft-deleted secret: its latest version's properties, and when it was deleted and will be purged. */
export interface DeletedVaultSecret extends VaultSecretInfo {
  deletedOn?: string;
  scheduledPurgeOn?: string;
}

/**
 * Refusals of the vault the engine acts on, decided by the adapter from status and error codes only:
 * - "version-disabled": the version exists but its value cannot be read (unreadable, not missing);
 * - "name-held-by-deleted-secret": a soft-deleted secret holds the name (recover or purge before reuse);
 * - "name-being-deleted": a soft delete of the name is still running.
 */
export type VaultRefusal = "version-disabled" | "name-held-by-deleted-secret" | "name-being-deleted";

/** The refusal a vault adapter's error carries (`vaultRefusal`), or undefined for any other failure. */
export function vaultRefusalOf(error: unknown): VaultRefusal | undefined {
  if (typeof error !== "object" || error === null || !("vaultRefusal" in error)) return undefined;
  const refusal = (error as { vaultRefusal: unknown }).vaultRefusal;
  return refusal === "version-disabled" || refusal === "name-held-by-deleted-secret" || refusal === "name-being-deleted" ? refusal : undefined;
}

/** The vault that holds every rotated secret before it exists anywhere else (Azure Key Vault). */
export interface Vault {
  /** Latest version of every secret (properties only). */
  listSecrets(): Promise<VaultSecretInfo[]>;
  /** Every version of the name, oldest first; none for a name with no live secret. */
  listVersions(name: string): Promise<VaultSecretVersion[]>;
  /** Waits out a soft delete of the name still running; a name held by a deleted secret throws "name-held-by-deleted-secret". */
  setSecret(
    name: string,
    value: SecretValue,
    options: { expiresOn?: string; tags?: Record<string, string>; contentType?: string },
  ): Promise<VaultSecretVersion>;
  /**
   * Latest version when `version` is omitted; null when the secret does not exist. A disabled version throws an
   * error whose `vaultRefusal` is "version-disabled": it exists, its value cannot be read.
   */
  getSecret(name: string, version?: string): Promise<{ value: SecretValue; properties: VaultSecretVersion } | null>;
  setVersionEnabled(name: string, version: string, enabled: boolean): Promise<void>;
  /** The soft-deleted secret of that name (its name cannot be reused while it exists), or null. */
  getDeletedSecret(name: string): Promise<DeletedVaultSecret | null>;
  /** Recovers a soft-deleted secret with all its versions, and waits until it is live again. */
  recoverDeletedSecret(name: string): Promise<void>;
}
