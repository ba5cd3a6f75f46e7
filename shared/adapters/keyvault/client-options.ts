import type { SecretClientOptions } from "@azure/keyvault-secrets";

export type KeyVaultRetryOptions = NonNullable<SecretClientOptions["retryOptions"]>;

/** The api-version this adapter was built and tested against (`@azure/keyvault-secrets` 4.11.x). */
export const keyVaultServiceVersion = "2025-07-01" as const;

/**
 * Retries live in the SDK's own pipeline rather than in a p-retry layer around each call. That policy
 * already honours `Retry-After` / `retry-after-ms` on 429 and 503, backs off exponentially (with jitter)
 * on other 5xx, 408 and connection resets, and it sits inside Key Vault's challenge policy, so a retried
 * request keeps its body and token. A second layer on top would multiply attempts (outer × inner) and
 * replay the challenge. Six attempts spread over 15-30 s (1, 2, 4, 8, 16 s, each with up to 50% jitter)
 * ride out Key Vault's throttling windows while a timer run still ends in reasonable time.
 */
export const defaultKeyVaultRetry: Required<KeyVaultRetryOptions> = {
  maxRetries: 5,
  retryDelayInMs: 1_000,
  maxRetryDelayInMs: 30_000,
};

const loopbackHosts = new Set(["127.0.0.1", "::1", "[::1]", "localhost"]);

/**
 * True when the vault is a local emulator on this machine. Only then may the SDK skip checking that the
 * challenge's resource matches the vault's domain; a real vault keeps that check (it stops a look-alike
 * host from obtaining a token for https://vault.azure.net).
 */
export function isLoopbackVaultUrl(vaultUrl: string): boolean {
  return loopbackHosts.has(new URL(vaultUrl).hostname.toLowerCase());
}

export function secretClientOptions(vaultUrl: string, retry: KeyVaultRetryOptions = {}): SecretClientOptions {
  return {
    serviceVersion: keyVaultServiceVersion,
    disableChallengeResourceVerification: isLoopbackVaultUrl(vaultUrl),
    retryOptions: { ...defaultKeyVaultRetry, ...retry },
  };
}
