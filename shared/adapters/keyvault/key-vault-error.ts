import { z } from "zod";
import type { VaultRefusal } from "../../ports/vault.js";
import { UnexpectedVaultResponse } from "./secret-properties.js";
import { asErrorCode, statusWords } from "../service-words.js";

export interface KeyVaultFailure {
  /** What the app was doing, e.g. "set secret", "list versions". */
  operation: string;
  /** Secret names are not secret; absent for vault-wide operations. */
  secretName?: string;
  /** HTTP status, when the vault answered. */
  status?: number;
  /** Key Vault's error code (`SecretNotFound`, `Forbidden`, `Throttled`, …) or the client-side error's name. */
  code?: string;
  /** Key Vault's inner error code, e.g. `SecretDisabled`. */
  innerCode?: string;
  /** What went wrong, in words; scrubbed of anything that looks like a credential. */
  detail: string;
}

/**
 * A failed Key Vault call. It carries names, status and codes only: the SDK's RestError holds the
 * request (its body has the value being set) and the response (a GET's body has the value read), so it
 * is never kept — not even as `cause`.
 */
export class KeyVaultError extends Error {
  readonly operation: string;
  readonly secretName?: string;
  readonly status?: number;
  readonly code?: string;
  readonly innerCode?: string;
  /** What the engine may act on (see `VaultRefusal`), from status and codes only. */
  readonly vaultRefusal?: VaultRefusal;

  constructor(failure: KeyVaultFailure) {
    const target = failure.secretName ? ` of secret "${failure.secretName}"` : "";
    const codes = [failure.status !== undefined ? `HTTP ${failure.status}` : undefined, failure.code, failure.innerCode && `(${failure.innerCode})`]
      .filter(Boolean)
      .join(" ");
    super(`Key Vault ${failure.operation}${target} failed${codes ? `: ${codes}` : ""}: ${failure.detail}`);
    this.name = "KeyVaultError";
    this.operation = failure.operation;
    this.secretName = failure.secretName;
    this.status = failure.status;
    this.code = failure.code;
    this.innerCode = failure.innerCode;
    this.vaultRefusal = refusalOf(failure.status, failure.innerCode);
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      operation: this.operation,
      secretName: this.secretName,
      status: this.status,
      code: this.code,
      innerCode: this.innerCode,
      vaultRefusal: this.vaultRefusal,
    };
  }
}

/**
 * Key Vault's inner codes for the states the engine handles: 403 SecretDisabled (a disabled version's value,
 * github.com/Azure/azure-sdk-for-js/issues/24756), 409 ObjectIsDeletedButRecoverable and ObjectIsBeingDeleted
 * (github.com/hashicorp/terraform-provider-azurerm/issues/10454).
 */
function refusalOf(status: number | undefined, innerCode: string | undefined): VaultRefusal | undefined {
  if (status === 403 && innerCode === "SecretDisabled") return "version-disabled";
  if (status === 409 && innerCode === "ObjectIsDeletedButRecoverable") return "name-held-by-deleted-secret";
  if (status === 409 && innerCode === "ObjectIsBeingDeleted") return "name-being-deleted";
  return undefined;
}

/** The parts of the SDK's RestError we read; `details` is Key Vault's deserialized error body. */
const restErrorShape = z.object({
  name: z.literal("RestError"),
  statusCode: z.number().optional(),
  code: z.string().optional(),
  details: z
    .object({
      error: z
        .object({
          code: z.string().optional(),
          innerError: z.object({ code: z.string().optional() }).nullish(),
        })
        .nullish(),
    })
    .nullish()
    .catch(undefined),
});


/** Our own words for a status, and for the two cases where no error status came. */
function keyVaultWords(status: number | undefined): string {
  if (status === undefined) return "no answer from Key Vault";
  if (status >= 200 && status < 300) return "Key Vault answered, but the answer could not be read";
  return statusWords("Key Vault", status);
}

/**
 * Turns whatever the SDK or the credential threw into a KeyVaultError that is safe to log. Its words are the
 * status, Key Vault's error codes (from an error status's body that parsed as its error shape) and our own words.
 * Never Key Vault's message, never the SDK's message: for a success answer it cannot parse, the SDK
 * quotes the whole body (a secret bundle holds the value) in a RestError with status 200.
 */
export function toKeyVaultError(
  error: unknown,
  context: { operation: string; secretName?: string },
): KeyVaultError {
  if (error instanceof KeyVaultError) return error;
  const base = { operation: context.operation, secretName: context.secretName };
  const rest = restErrorShape.safeParse(error);
  if (rest.success) {
    const status = rest.data.statusCode;
    const answered = status !== undefined && (status < 200 || status >= 300);
    const body = answered ? rest.data.details?.error : undefined;
    return new KeyVaultError({
      ...base,
      status,
      code: asErrorCode(body?.code) ?? asErrorCode(rest.data.code),
      innerCode: asErrorCode(body?.innerError?.code ?? undefined),
      detail: keyVaultWords(status),
    });
  }
  if (error instanceof UnexpectedVaultResponse) {
    // Our own words: the fields that were missing or wrong, never their values.
    return new KeyVaultError({ ...base, status: 200, code: "UnexpectedResponse", detail: error.message });
  }
  if (error instanceof Error) {
    // A credential's failure, a network error, a parse error: their messages may quote an answer (a token
    // endpoint's body, a secret bundle). The class names what happened.
    const tokenFailure = /Credential|Authentication/.test(error.name);
    return new KeyVaultError({
      ...base,
      code: asErrorCode(error.name) ?? "Error",
      detail: tokenFailure ? "no token for Key Vault: check the managed identity or the AZURE_* settings" : "the call failed before Key Vault gave a usable answer",
    });
  }
  return new KeyVaultError({ ...base, detail: "an unknown error was thrown" });
}
