import { z } from "zod";

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
    };
  }
}

/** The parts of the SDK's RestError we read; `details` is Key Vault's deserialized error body. */
const restErrorShape = z.object({
  name: z.literal("RestError"),
  message: z.string(),
  statusCode: z.number().optional(),
  code: z.string().optional(),
  details: z
    .object({
      error: z
        .object({
          code: z.string().optional(),
          message: z.string().optional(),
          innerError: z.object({ code: z.string().optional() }).nullish(),
        })
        .nullish(),
    })
    .nullish()
    .catch(undefined),
});

const maxDetailChars = 500;

/**
 * Defence in depth: Key Vault does not echo values or tokens, but a proxy or a future SDK might. Removes
 * the values the caller knows it sent, bearer tokens and anything JWT-shaped.
 */
export function scrub(text: string, knownSecrets: readonly string[] = []): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (secret.length > 0) out = out.split(secret).join("[redacted]");
  }
  out = out
    .replace(/Bearer\s+[^\s"',;]+/gi, "Bearer [redacted]")
    .replace(/eyJ[\w-]*\.[\w-]+\.[\w-]*/g, "[redacted]");
  return out.length > maxDetailChars ? `${out.slice(0, maxDetailChars)}…` : out;
}

/** Turns whatever the SDK or the credential threw into a KeyVaultError that is safe to log. */
export function toKeyVaultError(
  error: unknown,
  context: { operation: string; secretName?: string; knownSecrets?: readonly string[] },
): KeyVaultError {
  if (error instanceof KeyVaultError) return error;
  const base = { operation: context.operation, secretName: context.secretName };
  const rest = restErrorShape.safeParse(error);
  if (rest.success) {
    const body = rest.data.details?.error;
    return new KeyVaultError({
      ...base,
      status: rest.data.statusCode,
      code: body?.code ?? rest.data.code,
      innerCode: body?.innerError?.code,
      detail: scrub(body?.message ?? rest.data.message, context.knownSecrets),
    });
  }
  if (error instanceof Error) {
    return new KeyVaultError({ ...base, code: error.name, detail: scrub(error.message, context.knownSecrets) });
  }
  return new KeyVaultError({ ...base, detail: "an unknown error was thrown" });
}
