export { createKeyVault, defaultDeletionWait, defaultRecoveryWait, KeyVaultSecrets, type DeletionWait, type KeyVaultOptions, type RecoveryWait } from "./key-vault.js";
export { KeyVaultError } from "./key-vault-error.js";
export { defaultKeyVaultRetry, isLoopbackVaultUrl, keyVaultServiceVersion, type KeyVaultRetryOptions } from "./client-options.js";
export { createSigningKeys, SigningKeyError, type SigningKeysOptions } from "./signing-keys.js";
