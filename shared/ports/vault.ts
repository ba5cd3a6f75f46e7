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

/** The vault that holds every rotated secret before it exists anywhere else (Azure Key Vault). */
export interface Vault {
  /** Latest version of every secret (properties only). */
  listSecrets(): Promise<VaultSecretInfo[]>;
  listVersions(name: string): Promise<VaultSecretVersion[]>;
  setSecret(
    name: string,
    value: SecretValue,
    options: { expiresOn?: string; tags?: Record<string, string>; contentType?: string },
  ): Promise<VaultSecretVersion>;
  /** Latest version when `version` is omitted; null when the secret does not exist. */
  getSecret(name: string, version?: string): Promise<{ value: SecretValue; properties: VaultSecretVersion } | null>;
  setVersionEnabled(name: string, version: string, enabled: boolean): Promise<void>;
  /** The soft-deleted secret of that name (its name cannot be reused while it exists), or null. */
  getDeletedSecret(name: string): Promise<DeletedVaultSecret | null>;
  /** Recovers a soft-deleted secret with all its versions, and waits until it is live again. */
  recoverDeletedSecret(name: string): Promise<void>;
}
