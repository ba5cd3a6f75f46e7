/** What a failed client-credentials token request means for a secret under test. */
export interface TokenFailure {
  reason: string;
  retryable: boolean;
}

// AADSTS codes that name the secret itself, the app or the tenant.
const byAadsts: Record<string, TokenFailure> = {
  "7000215": {
    reason: "Entra refused the client secret (invalid_client, AADSTS7000215); a newly added secret may not have propagated yet",
    retryable: true,
  },
  "7000222": { reason: "Entra reports the client secret as expired (AADSTS7000222)", retryable: false },
  "700016": { reason: "Entra does not know this application in the tenant (unauthorized_client, AADSTS700016)", retryable: false },
  "90002": { reason: "Entra does not know the tenant (AADSTS90002)", retryable: false },
};

const transientErrors = new Set(["temporarily_unavailable", "server_error", "network_error"]);

/**
 * Classifies an @azure/identity error from ClientSecretCredential.getToken. The reason is built only from
 * error codes, never from the message text, so nothing the request carried can leak through it.
 */
export function classifyTokenFailure(error: unknown): TokenFailure {
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : "";
  const aadsts = /AADSTS(\d+)/.exec(message)?.[1];
  const known = aadsts ? byAadsts[aadsts] : undefined;
  if (known) return known;
  const oauthError = /^([a-z_]+):/.exec(message)?.[1];
  if (oauthError === "invalid_client") return { reason: `Entra refused the client secret (invalid_client${aadsts ? `, AADSTS${aadsts}` : ""})`, retryable: true };
  if ((oauthError && transientErrors.has(oauthError)) || /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|network/i.test(message)) {
    return { reason: `the token endpoint was unavailable (${oauthError ?? name}); try again`, retryable: true };
  }
  const codes = [oauthError, aadsts ? `AADSTS${aadsts}` : undefined].filter(Boolean).join(", ");
  return { reason: `the token request failed (${name}${codes ? `: ${codes}` : ""})`, retryable: false };
}
